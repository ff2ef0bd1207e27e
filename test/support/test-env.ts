/**
 * The environment every test (and every process a test spawns) runs with, so `npm test` never
 * touches development data. Loaded by Jest before each test file, in its worker process.
 *
 * Jest runs test files in parallel workers, so each worker has a database and a Redis db of its own:
 * - PostgreSQL: TEST_DATABASE_URL's database is the template (migrated once per run by
 *   global-setup.ts); worker N uses `<that name>_w<N>`, cloned afresh from it before every test file
 *   (isolation.ts). Test databases of parallel runs with other TEST_DATABASE_URLs never collide.
 * - Redis: TEST_REDIS_URL's db index + N (flushed before every test file).
 */
const template = new URL(
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/event_planner_test',
);
const redisBase = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/10');
/** 1 in the Jest parent process (global setup) and under --runInBand. */
const worker = Number(process.env.JEST_WORKER_ID ?? '1');

/** The migrated database each test file's database is cloned from. */
export const TEMPLATE_DATABASE_URL = template.toString();

function workerDatabase(): string {
  const name = `${template.pathname.slice(1)}_w${worker}`;
  if (name.length > 63) throw new Error(`TEST_DATABASE_URL's database name is too long for ${name}`);
  return Object.assign(new URL(template), { pathname: `/${name}` }).toString();
}

function workerRedis(): string {
  const db = Number(redisBase.pathname.slice(1) || '0') + worker;
  if (db > 15) {
    throw new Error(
      `Jest worker ${worker} would use Redis db ${db} (TEST_REDIS_URL's index + worker): ` +
        `Redis has dbs 0–15; give TEST_REDIS_URL a lower index or run fewer workers (--maxWorkers)`,
    );
  }
  return Object.assign(new URL(redisBase), { pathname: `/${db}` }).toString();
}

export const TEST_ENV = {
  NODE_ENV: 'test',
  DATABASE_URL: workerDatabase(),
  REDIS_URL: workerRedis(),
  SMTP_URL: 'smtp://127.0.0.1:2525',
  APP_URL: 'http://localhost:3000',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  LOG_PRETTY: 'false',
  SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
} as const;

Object.assign(process.env, TEST_ENV);
