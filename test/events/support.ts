import { randomUUID } from 'node:crypto';
import type { PrismaService } from '../../src/prisma/prisma.service';

/** A user straight in the database (the accounts feature has its own tests for sign-up). */
export async function createUser(
  prisma: PrismaService,
  overrides: { email?: string; displayName?: string; isStaff?: boolean; verified?: boolean } = {},
) {
  return prisma.user.create({
    data: {
      email: overrides.email ?? `user-${randomUUID()}@example.com`,
      displayName: overrides.displayName ?? 'Test User',
      isStaff: overrides.isStaff ?? false,
      emailVerifiedAt: overrides.verified === false ? null : new Date(),
    },
  });
}

export async function createEvent(
  prisma: PrismaService,
  organizerId: number,
  overrides: Partial<{
    title: string;
    description: string;
    location: string;
    capacity: number | null;
    startsAt: Date;
  }> = {},
) {
  const startsAt = overrides.startsAt ?? new Date(Date.now() + 7 * 24 * 3600_000);
  return prisma.event.create({
    data: {
      organizerId,
      title: overrides.title ?? 'Test event',
      description: overrides.description ?? 'Something to do',
      location: overrides.location ?? 'Town hall',
      capacity: overrides.capacity !== undefined ? overrides.capacity : 10,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 2 * 3600_000),
    },
  });
}
