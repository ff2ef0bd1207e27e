import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig } from '../../src/config/app-config';
import { CoreModule } from '../../src/core/core.module';
import { EventsCoreModule } from '../../src/events/events-core.module';
import { EventsService } from '../../src/events/events.service';
import { RsvpService } from '../../src/events/rsvp.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createEvent, createUser } from './support';

describe('RSVP capacity and waitlist (real PostgreSQL)', () => {
  // Four app instances (like four web replicas): each has its own connection pool and in-process
  // queue, so only PostgreSQL's row lock stands between them.
  let contexts: INestApplicationContext[];
  let prisma: PrismaService;
  let rsvps: RsvpService;

  beforeAll(async () => {
    contexts = [];
    for (let i = 0; i < 4; i++) {
      const moduleRef = await Test.createTestingModule({
        imports: [CoreModule.forRoot(loadConfig(process.env)), EventsCoreModule],
      }).compile();
      contexts.push(await moduleRef.init());
    }
    prisma = contexts[0].get(PrismaService);
    rsvps = contexts[0].get(RsvpService);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
  });

  it('200 concurrent RSVPs to 50 seats: exactly 50 going, 150 waitlisted; a cancel promotes one and mails one', async () => {
    const organizer = await createUser(prisma);
    const event = await createEvent(prisma, organizer.id, { capacity: 50 });
    const users = await Promise.all(Array.from({ length: 200 }, () => createUser(prisma)));

    const outcomes = await Promise.all(
      users.map((user, index) => contexts[index % contexts.length].get(RsvpService).rsvp(event.id, user.id)),
    );
    const going = outcomes.filter((outcome) => outcome.rsvp.status === 'going');
    expect(going).toHaveLength(50);
    expect(await prisma.rsvp.count({ where: { eventId: event.id, status: 'going' } })).toBe(50);
    expect(await prisma.rsvp.count({ where: { eventId: event.id, status: 'waitlisted' } })).toBe(150);
    expect((await prisma.event.findUniqueOrThrow({ where: { id: event.id } })).goingCount).toBe(50);
    // Each RSVP was confirmed by exactly one e-mail recorded with it: one per person, none missing.
    const confirmations = await prisma.outgoingEmail.groupBy({
      by: ['toAddress'],
      where: { template: 'rsvp_confirmation' },
      _count: { _all: true },
    });
    expect(Object.fromEntries(confirmations.map((group) => [group.toAddress, group._count._all]))).toEqual(
      Object.fromEntries(users.map((user) => [user.email, 1])),
    );

    const firstWaitlisted = await prisma.rsvp.findFirstOrThrow({
      where: { eventId: event.id, status: 'waitlisted' },
      orderBy: [{ respondedAt: 'asc' }, { id: 'asc' }],
      include: { user: true },
    });
    const mailsBefore = await prisma.outgoingEmail.count({ where: { template: 'event_promoted' } });
    const result = await rsvps.cancel(event.id, going[0].rsvp.userId);
    expect(result).toEqual({ cancelled: true, promoted: 1 });
    expect(await prisma.rsvp.count({ where: { eventId: event.id, status: 'going' } })).toBe(50);
    expect(await prisma.rsvp.count({ where: { eventId: event.id, status: 'waitlisted' } })).toBe(149);
    const promotedNow = await prisma.rsvp.findUniqueOrThrow({ where: { id: firstWaitlisted.id } });
    expect(promotedNow.status).toBe('going');
    const promotionMails = await prisma.outgoingEmail.findMany({
      where: { template: 'event_promoted' },
      skip: mailsBefore,
    });
    expect(promotionMails).toHaveLength(1);
    expect(promotionMails[0].toAddress).toBe(firstWaitlisted.user.email);
    // The cancel and the promotion confirmed no RSVP again.
    expect(await prisma.outgoingEmail.count({ where: { template: 'rsvp_confirmation' } })).toBe(200);
  });

  it('answering twice is harmless and cancelling a waitlisted RSVP frees no seat', async () => {
    const organizer = await createUser(prisma);
    const event = await createEvent(prisma, organizer.id, { capacity: 1 });
    const [a, b] = [await createUser(prisma), await createUser(prisma)];
    expect((await rsvps.rsvp(event.id, a.id)).rsvp.status).toBe('going');
    expect((await rsvps.rsvp(event.id, a.id)).changed).toBe(false);
    expect((await rsvps.rsvp(event.id, b.id)).rsvp.status).toBe('waitlisted');
    expect(await rsvps.cancel(event.id, b.id)).toEqual({ cancelled: true, promoted: 0 });
    expect((await prisma.event.findUniqueOrThrow({ where: { id: event.id } })).goingCount).toBe(1);
    expect(await rsvps.cancel(event.id, b.id)).toEqual({ cancelled: false, promoted: 0 });
  });

  it('the database refuses to overbook even past the service', async () => {
    const organizer = await createUser(prisma);
    const event = await createEvent(prisma, organizer.id, { capacity: 1 });
    await expect(prisma.event.update({ where: { id: event.id }, data: { goingCount: 2 } })).rejects.toThrow(
      /events_going_within_capacity/,
    );
    const unlimited = await createEvent(prisma, organizer.id, { capacity: null });
    await expect(
      prisma.event.update({ where: { id: unlimited.id }, data: { goingCount: -1 } }),
    ).rejects.toThrow(/events_going_within_capacity/);
  });

  it('without a capacity everyone goes; lifting a limit lets the whole waitlist in, e-mailed', async () => {
    const organizer = await createUser(prisma);
    const open = await createEvent(prisma, organizer.id, { capacity: null });
    const crowd = await Promise.all(Array.from({ length: 60 }, () => createUser(prisma)));
    const outcomes = await Promise.all(
      crowd.map((user, index) => contexts[index % contexts.length].get(RsvpService).rsvp(open.id, user.id)),
    );
    expect(outcomes.every((outcome) => outcome.rsvp.status === 'going')).toBe(true);
    expect((await prisma.event.findUniqueOrThrow({ where: { id: open.id } })).goingCount).toBe(60);

    const limited = await createEvent(prisma, organizer.id, { capacity: 2 });
    const guests = await Promise.all(Array.from({ length: 5 }, () => createUser(prisma)));
    for (const guest of guests) await rsvps.rsvp(limited.id, guest.id);
    expect(await prisma.rsvp.count({ where: { eventId: limited.id, status: 'waitlisted' } })).toBe(3);
    const events = contexts[0].get(EventsService);
    await events.update(limited.id, { id: organizer.id, canChangeAnyEvent: false }, { capacity: null });
    expect(await prisma.rsvp.count({ where: { eventId: limited.id, status: 'going' } })).toBe(5);
    expect((await prisma.event.findUniqueOrThrow({ where: { id: limited.id } })).goingCount).toBe(5);
    expect(
      await prisma.outgoingEmail.count({
        where: { template: 'event_promoted', toAddress: { in: guests.map((guest) => guest.email) } },
      }),
    ).toBe(3);
  });
});
