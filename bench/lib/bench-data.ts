/**
 * The bench database: BENCH_DATABASE_URL (default its own `event_planner_bench`, never development
 * data), migrated, with at least BENCH_EVENTS events (default 1,000,000), generated with
 * `seed --events` when there are fewer (a few minutes on 2 cores, mostly the full-text index).
 */
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { ensureDatabase, Migrator } from '../../src/database/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { ROOT } from './processes';

export const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/event_planner_bench';
export const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);

/** Migrates and fills the bench database (needs dist/: call after buildApp). */
export async function prepareBenchDatabase(redisUrl: string): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await new Migrator(DATABASE_URL, MIGRATIONS_DIR).migrate();
  await withDatabase(async (db) => {
    const [{ n }] = (await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows;
    if (Number(n) >= EVENTS) return;
    console.log(`events: ${n} < ${EVENTS}; generating ${EVENTS - Number(n)} with \`seed --events\`…`);
    const seeded = spawnSync(
      process.execPath,
      ['dist/cli.js', 'seed', '--events', String(EVENTS - Number(n))],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, DATABASE_URL, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' },
      },
    );
    if (seeded.status !== 0) throw new Error('seeding failed');
    // Index-only scans need the visibility map, as autovacuum would leave it.
    await db.query('VACUUM ANALYZE events');
  });
}

export async function withDatabase<T>(work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
