import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { EventsService } from '../../src/events/events.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { startWorker } from '../mail/mail-test-support';
import type { RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { TEST_ENV } from '../support/test-env';
import { startWebApp } from '../support/web-app';
import { countQueries } from './query-counter';
import { createEvent, createUser } from './support';

const STAFF = { id: 0, canChangeAnyEvent: true };

/**
 * Big events while their row is locked: telling every attendee (cancel, change) and promoting a
 * whole waitlist take the same few statements for 3 people as for hundreds (one read, one batched
 * insert with its NOTIFYs, one promotion statement), and every e-mail still arrives.
 */
describe('e-mail to many attendees under the event lock', () => {
  const sink = new SmtpSink();
  let app: NestExpressApplication;
  let events: EventsService;
  let prisma: PrismaService;
  let worker: RunningProcess;
  let organizerId: number;

  /** An event with `going` attendees going and `waitlisted` waiting (straight in SQL: fast). */
  async function eventWith(going: number, waitlisted: number, capacity: number | null = going) {
    const event = await createEvent(prisma, organizerId, { capacity });
    const client = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await client.connect();
    try {
      await client.query(
        `WITH people AS (
           INSERT INTO users (email, display_name, updated_at)
           SELECT 'bulk-' || $1::int || '-' || n || '@example.com', 'Person ' || n, now()
           FROM generate_series(1, $2::int + $3::int) n RETURNING id)
         INSERT INTO rsvps (event_id, user_id, status, responded_at, updated_at)
         SELECT $1, id, CASE WHEN row_number() OVER (ORDER BY id) <= $2 THEN 'going'::rsvp_status ELSE 'waitlisted'::rsvp_status END,
                now(), now()
         FROM people`,
        [event.id, going, waitlisted],
      );
      await client.query('UPDATE events SET going_count = $2 WHERE id = $1', [event.id, going]);
    } finally {
      await client.end();
    }
    return event.id;
  }

  beforeAll(async () => {
    await sink.start();
    app = await startWebApp();
    events = app.get(EventsService);
    prisma = app.get(PrismaService);
    organizerId = (await createUser(prisma)).id;
    // The relay's sweep every 10 minutes: only the NOTIFYs can bring these e-mails out in time.
    worker = await startWorker({ SMTP_URL: sink.url, MAIL_RELAY_INTERVAL_MS: '600000' });
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await sink.stop();
  });

  it('cancelling tells 450 attendees in as many statements as 3, and every e-mail arrives', async () => {
    const small = await eventWith(3, 0);
    const big = await eventWith(300, 150);
    const { queries: few } = await countQueries(() => events.cancel(small, STAFF));
    const { queries: many } = await countQueries(() => events.cancel(big, STAFF));
    expect(many.length).toBe(few.length);
    expect(await prisma.outgoingEmail.count({ where: { template: 'event_cancelled' } })).toBe(453);
    // 450 ids are three NOTIFY payloads (200 a payload): the relay queues them all.
    await sink.waitUntil((messages) => messages.length >= 453, 30_000);
    expect(new Set(sink.messages.map((mail) => mail.messageId)).size).toBe(453);
  }, 60_000);

  it('lifting the capacity promotes a waitlist of 300 in one statement, each promoted person e-mailed', async () => {
    const small = await eventWith(1, 3, 1);
    const big = await eventWith(1, 300, 1);
    const { queries: few } = await countQueries(() => events.update(small, STAFF, { capacity: null }));
    const { queries: many } = await countQueries(() => events.update(big, STAFF, { capacity: null }));
    expect(many.length).toBe(few.length);
    expect(await prisma.event.findUniqueOrThrow({ where: { id: big } })).toMatchObject({ goingCount: 301 });
    expect(await prisma.rsvp.count({ where: { eventId: big, status: 'going' } })).toBe(301);
    expect(await prisma.outgoingEmail.count({ where: { template: 'event_promoted' } })).toBe(303);

    // A capacity of 2 more promotes exactly the first two in line.
    const partial = await eventWith(1, 5, 1);
    await events.update(partial, STAFF, { capacity: 3 });
    const going = await prisma.rsvp.findMany({
      where: { eventId: partial, status: 'going' },
      include: { user: { select: { email: true } } },
      orderBy: { id: 'asc' },
    });
    expect(going.map((rsvp) => rsvp.user.email)).toEqual(
      [1, 2, 3].map((n) => `bulk-${partial}-${n}@example.com`),
    );
  }, 60_000);
});
