import Redis from 'ioredis';
import { cloneFromTemplate } from './test-databases';
import { TEMPLATE_DATABASE_URL, TEST_ENV } from './test-env';

/**
 * Every test file starts from a database fresh from the migrated template and an empty Redis db,
 * both its worker's own (test-env.ts): rows, sequences or queued jobs a previous file left (or its
 * worker processes were still relaying) never reach this one's counts and mailboxes, and files
 * running at the same time in other workers never see each other. Automatic: a new test file
 * needs nothing for it.
 */
beforeAll(async () => {
  await cloneFromTemplate(TEST_ENV.DATABASE_URL, TEMPLATE_DATABASE_URL);
  const redis = new Redis(TEST_ENV.REDIS_URL, { lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
  redis.disconnect();
}, 60_000);
