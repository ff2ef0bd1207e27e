import Redis from 'ioredis';
import { Client } from 'pg';
import { TEST_ENV } from './test-env';

// Kept between suites: the migration history and the permission catalogue (seeded by a migration
// and completed at boot).
const KEPT_TABLES = new Set(['_prisma_migrations', 'auth_permissions']);

/**
 * Every test file starts from empty tables and an empty Redis db, like Django's TestCase: suites run
 * one after another against one database, and rows or queued jobs a previous suite left (or its
 * worker processes were still relaying) must not leak into this one's counts and mailboxes.
 */
beforeAll(async () => {
  const client = new Client({ connectionString: TEST_ENV.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    const tables = rows.map((row) => row.tablename).filter((name) => !KEPT_TABLES.has(name));
    if (tables.length) {
      await client.query(`TRUNCATE ${tables.map((name) => `"${name}"`).join(', ')} RESTART IDENTITY CASCADE`);
    }
  } finally {
    await client.end();
  }
  const redis = new Redis(TEST_ENV.REDIS_URL, { lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
  redis.disconnect();
});
