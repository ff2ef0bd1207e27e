/**
 * How long cancelling a big event holds its row lock (issue 12): an event with N attendees
 * (BENCH_CANCEL_ATTENDEES, default 2,000) is cancelled through EventsService.cancel, which tells
 * every attendee in the same transaction (one outbox row each). While the event row is locked,
 * every RSVP, cancellation and edit of that event waits. A second connection probes the lock from
 * outside (`SELECT … FOR UPDATE NOWAIT` in a loop, each in its own transaction): the lock time is
 * the gap between the last probe that got the row before the cancel and the first one after.
 * Prints the median of BENCH_CANCEL_RUNS (default 5) runs; target: under 250 ms.
 *
 * Database/Redis: BENCH_DATABASE_URL (default its own `event_planner_bench_locks`, migrated here),
 * BENCH_REDIS_URL (default db 13). No worker runs: the e-mails stay recorded, unsent.
 *
 * Run: `npm run bench -- cancel`.
 */
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { loadConfig } from '../src/config/app-config';
import { ensureDatabase, Migrator } from '../src/database/migrator';
import { EventsCoreModule } from '../src/events/events-core.module';
import { EventsService } from '../src/events/events.service';
import { MailContextModule } from '../src/mail/mail-context.module';
import { MIGRATIONS_DIR } from '../src/paths';
import { PrismaService } from '../src/prisma/prisma.service';

const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/event_planner_bench_locks';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const ATTENDEES = Number(process.env.BENCH_CANCEL_ATTENDEES ?? 2_000);
const RUNS = Number(process.env.BENCH_CANCEL_RUNS ?? 5);
const TARGET_MS = 250;

/** Probes the event's row lock until stopped; returns the longest stretch it could not get it. */
async function probeLock(client: Client, eventId: number, stop: () => boolean): Promise<number> {
  let lastFree = performance.now();
  let longest = 0;
  while (!stop()) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT 1 FROM events WHERE id = $1 FOR UPDATE NOWAIT', [eventId]);
      const now = performance.now();
      longest = Math.max(longest, now - lastFree);
      lastFree = now;
    } catch (error) {
      if ((error as { code?: string }).code !== '55P03') throw error; // lock_not_available
    } finally {
      await client.query('ROLLBACK');
    }
  }
  return longest;
}

async function seedEvent(client: Client, run: number): Promise<number> {
  const {
    rows: [organizer],
  } = await client.query<{ id: number }>(
    `INSERT INTO users (email, display_name, updated_at) VALUES ($1, 'Bench organizer', now()) RETURNING id`,
    [`bench-organizer-${run}-${Date.now()}@example.com`],
  );
  const {
    rows: [event],
  } = await client.query<{ id: number }>(
    `INSERT INTO events (title, description, location, starts_at, ends_at, capacity, going_count, status, organizer_id, updated_at)
     VALUES ('Bench gala', 'Big', 'Hall', now() + interval '7 days', now() + interval '7 days 2 hours', $1, $1, 'published', $2, now())
     RETURNING id`,
    [ATTENDEES, organizer.id],
  );
  await client.query(
    `WITH attendees AS (
       INSERT INTO users (email, display_name, updated_at)
       SELECT 'bench-' || $2::text || '-' || n || '@example.com', 'Attendee ' || n, now() FROM generate_series(1, $1) n
       RETURNING id)
     INSERT INTO rsvps (event_id, user_id, status, responded_at, updated_at)
     SELECT $3, id, 'going', now(), now() FROM attendees`,
    [ATTENDEES, `${run}-${Date.now()}`, event.id],
  );
  return event.id;
}

async function main(): Promise<number> {
  await ensureDatabase(DATABASE_URL);
  await new Migrator(DATABASE_URL, MIGRATIONS_DIR).migrate();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL,
    REDIS_URL,
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: 'warn',
  });
  const app = await NestFactory.createApplicationContext(
    { module: class CancelBench {}, imports: [MailContextModule.forRoot(config), EventsCoreModule] },
    { logger: ['warn', 'error'] },
  );
  await app.init();
  const events = app.get(EventsService);
  const prisma = app.get(PrismaService);
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  const lockTimes: number[] = [];
  const cancelTimes: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run += 1) {
      const eventId = await seedEvent(client, run);
      let done = false;
      const probing = probeLock(client, eventId, () => done);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      try {
        await events.cancel(eventId, { id: 0, canChangeAnyEvent: true });
        cancelTimes.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      } finally {
        done = true;
        lockTimes.push(await probing);
      }
      const recorded = await prisma.outgoingEmail.count({ where: { template: 'event_cancelled' } });
      console.log(
        `run ${run}: event row locked ${lockTimes[run - 1].toFixed(0)} ms; cancel() took ${cancelTimes[run - 1].toFixed(0)} ms; ${recorded} cancellation e-mails recorded so far`,
      );
    }
  } finally {
    // Leave the bench database small for the next run.
    await client.query(`TRUNCATE outgoing_emails, rsvps, events, users RESTART IDENTITY CASCADE`);
    await client.end();
    await app.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const lock = median(lockTimes);
  console.log(
    `\ncancel an event with ${ATTENDEES} attendees: event row locked ${lock.toFixed(0)} ms (median of ${RUNS}), ` +
      `cancel() ${median(cancelTimes).toFixed(0)} ms; target < ${TARGET_MS} ms`,
  );
  return lock < TARGET_MS ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error);
    process.exit(2);
  },
);
