import { Client } from 'pg';
import Redis from 'ioredis';
import { ensureDatabase, Migrator } from '../../src/database/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { TEST_ENV } from './test-env';

/** Once per `npm test`: a fresh, migrated test database and an empty test Redis db. */
export default async function globalSetup(): Promise<void> {
  const url = new URL(TEST_ENV.DATABASE_URL);
  const name = url.pathname.slice(1);
  const admin = new Client({
    connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
  });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(TEST_ENV.DATABASE_URL);
  await new Migrator(TEST_ENV.DATABASE_URL, MIGRATIONS_DIR).migrate();

  const redis = new Redis(TEST_ENV.REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}
