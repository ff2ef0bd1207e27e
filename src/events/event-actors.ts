import { Injectable } from '@nestjs/common';
import { PermissionsService } from '../accounts/permissions.service';
import type { SessionUser } from '../accounts/session-user';
import { PrismaService } from '../prisma/prisma.service';
import type { Actor } from './event-permissions';

/**
 * Turns the signed-in user into an Actor: staff with `event.change` may manage any event, and the
 * events they co-host come along (one indexed read), so permission checks stay synchronous.
 */
@Injectable()
export class EventActors {
  constructor(
    private readonly permissions: PermissionsService,
    private readonly prisma: PrismaService,
  ) {}

  async of(user: SessionUser): Promise<Actor> {
    const [canChangeAnyEvent, cohosted] = await Promise.all([
      user.isStaff ? this.permissions.hasPermission(user, 'event.change') : false,
      this.prisma.eventCohost.findMany({ where: { userId: user.id }, select: { eventId: true } }),
    ]);
    return { id: user.id, canChangeAnyEvent, cohostOf: cohosted.map((row) => row.eventId) };
  }
}
