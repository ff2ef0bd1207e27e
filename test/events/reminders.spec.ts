import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '../../src/config/app-config';
import { CoreModule } from '../../src/core/core.module';
import { EventReminders } from '../../src/events/event-reminders';
import { EventsCoreModule } from '../../src/events/events-core.module';
import { EventsService, EventValidationError } from '../../src/events/events.service';
import { RsvpService } from '../../src/events/rsvp.service';
import { translateMessage } from '../../src/i18n/translator';
import { PrismaService } from '../../src/prisma/prisma.service';
import { ScheduleRegistry } from '../../src/jobs/scheduler/schedule.registry';
import { createEvent, createUser } from './support';

/** One "worker": its own Nest context, Prisma pool and Redis connections. */
async function workerContext(): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [CoreModule.forRoot(loadConfig(process.env)), EventsCoreModule],
    providers: [EventReminders, ScheduleRegistry],
  }).compile();
  return moduleRef.init();
}

describe('reminders and attendance rules (real PostgreSQL)', () => {
  let workers: INestApplicationContext[];
  let prisma: PrismaService;

  beforeAll(async () => {
    workers = [await workerContext(), await workerContext(), await workerContext()];
    prisma = workers[0].get(PrismaService);
  });
  afterAll(async () => {
    for (const worker of workers) await worker.close();
  });

  const reminderCount = (eventId: number) =>
    prisma.outgoingEmail.count({
      where: { template: 'event_reminder', context: { path: ['event', 'id'], equals: eventId } },
    });

  it('sends the 24-hour reminder exactly once per going attendee, with several workers at once and on re-runs', async () => {
    const organizer = await createUser(prisma);
    const soon = await createEvent(prisma, organizer.id, {
      startsAt: new Date(Date.now() + 12 * 3600_000),
      capacity: 30,
    });
    const later = await createEvent(prisma, organizer.id, { startsAt: new Date(Date.now() + 72 * 3600_000) });
    const rsvps = workers[0].get(RsvpService);
    const users = await Promise.all(Array.from({ length: 25 }, () => createUser(prisma)));
    for (const user of users) {
      await rsvps.rsvp(soon.id, user.id);
      await rsvps.rsvp(later.id, user.id);
    }
    await rsvps.cancel(soon.id, users[0].id);

    // Three workers run the job at the same moment, then again (a restart, the next schedule).
    const counts = await Promise.all(workers.map((worker) => worker.get(EventReminders).sendDue()));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(24);
    await Promise.all(workers.map((worker) => worker.get(EventReminders).sendDue()));
    expect(await reminderCount(soon.id)).toBe(24);
    expect(await reminderCount(later.id)).toBe(0);
    expect(await prisma.rsvp.count({ where: { eventId: soon.id, reminderSentAt: { not: null } } })).toBe(24);
  });

  it('registers the reminder job with the scheduler', () => {
    expect(workers[0].get(ScheduleRegistry).get('events.send-reminders')).toMatchObject({ every: 300_000 });
  });

  it('a larger capacity promotes from the waitlist; a smaller one than who is going is refused at the field', async () => {
    const events = workers[0].get(EventsService);
    const rsvps = workers[0].get(RsvpService);
    const organizer = await createUser(prisma);
    const event = await createEvent(prisma, organizer.id, { capacity: 1 });
    const [a, b, c] = [await createUser(prisma), await createUser(prisma), await createUser(prisma)];
    for (const user of [a, b, c]) await rsvps.rsvp(event.id, user.id);
    const actor = { id: organizer.id, canChangeAnyEvent: false };
    await events.update(event.id, actor, { capacity: 2 });
    expect(await rsvps.statusOf(event.id, b.id)).toBe('going');
    expect(await rsvps.statusOf(event.id, c.id)).toBe('waitlisted');
    // The field's message is a catalogue key (said where it is shown: the form, the API).
    const refused = await events.update(event.id, actor, { capacity: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EventValidationError);
    const { errors } = refused as EventValidationError;
    expect(Object.keys(errors)).toEqual(['capacity']);
    expect(errors.capacity.map((text) => translateMessage(text, 'en'))).toEqual([
      '2 people are already going; capacity cannot be lower than that.',
    ]);
    // Staff with event.change may manage any event; anyone else may not.
    await expect(
      events.update(event.id, { id: a.id, canChangeAnyEvent: false }, { title: 'Nope' }),
    ).rejects.toThrow('Only the organizer');
    await events.update(event.id, { id: a.id, canChangeAnyEvent: true }, { title: 'Staff edit' });
    expect((await prisma.event.findUniqueOrThrow({ where: { id: event.id } })).title).toBe('Staff edit');
  });
});
