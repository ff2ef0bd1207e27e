/**
 * The environment every test (and every process a test spawns) runs with: its own database and
 * Redis db, so `npm test` never touches development data. Loaded by Jest before each suite.
 */
const base = new URL(
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/event_planner_test',
);
const redis = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';

export const TEST_ENV = {
  NODE_ENV: 'test',
  DATABASE_URL: base.toString(),
  REDIS_URL: redis,
  SMTP_URL: 'smtp://127.0.0.1:2525',
  APP_URL: 'http://localhost:3000',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  LOG_PRETTY: 'false',
  SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
} as const;

Object.assign(process.env, TEST_ENV);
