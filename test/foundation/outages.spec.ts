import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Cache } from 'cache-manager';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_ENV } from '../support/test-env';
import { startWebApp } from '../support/web-app';

describe('outages: the web keeps serving and recovers by itself', () => {
  const database = new URL(TEST_ENV.DATABASE_URL);
  const redis = new URL(TEST_ENV.REDIS_URL);
  const postgresProxy = new TcpProxy(database.hostname, Number(database.port || 5432));
  const redisProxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
  let app: NestExpressApplication;

  beforeAll(async () => {
    await postgresProxy.start();
    await redisProxy.start();
    app = await startWebApp({
      DATABASE_URL: postgresProxy.urlFor(TEST_ENV.DATABASE_URL),
      REDIS_URL: redisProxy.urlFor(TEST_ENV.REDIS_URL),
    });
    await eventually(async () => {
      await request(app.getHttpServer()).get('/health/ready').expect(200);
    });
  });

  afterAll(async () => {
    // Both services back first, should a test have failed during an outage: closing waits for them.
    for (const proxy of [postgresProxy, redisProxy]) if (!proxy.running) await proxy.start();
    await app.close();
    await postgresProxy.stop();
    await redisProxy.stop();
  });

  it('PostgreSQL down: readiness is 503 naming the database, the home page still renders, then it recovers', async () => {
    await postgresProxy.stop();
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(ready.body.error).toHaveProperty('database.status', 'down');
    expect(ready.body.error).not.toHaveProperty('redis');
    // The home page keeps its frame and says what is wrong; other pages that need the database
    // answer a 503 page (not a 500); pages that need none are unaffected.
    const home = await request(app.getHttpServer()).get('/').set('Accept', 'text/html').expect(503);
    expect(home.text).toContain('Events can’t be loaded right now');
    expect(home.text).toContain('role="search"');
    expect(home.headers['retry-after']).toBe('30');
    const event = await request(app.getHttpServer()).get('/events/1').set('Accept', 'text/html').expect(503);
    expect(event.text).toContain('The database is unavailable right now');
    const api = await request(app.getHttpServer())
      .get('/api/v1/events')
      .set('Authorization', 'Bearer ept_well-formed-so-the-lookup-needs-the-database')
      .expect(503);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    await request(app.getHttpServer()).get('/accounts/login').set('Accept', 'text/html').expect(200);
    await request(app.getHttpServer()).get('/health/live').expect(200);

    await postgresProxy.start();
    await eventually(async () => {
      await request(app.getHttpServer()).get('/health/ready').expect(200);
      await request(app.getHttpServer()).get('/').set('Accept', 'text/html').expect(200);
    });
  });

  it('Redis down: readiness is 503 naming redis, cache reads miss and writes are skipped quickly, then it recovers', async () => {
    const cache = app.get<Cache>(CACHE_MANAGER);
    await cache.set('outage-probe', 'cached', 60_000);
    expect(await cache.get('outage-probe')).toBe('cached');

    await redisProxy.stop();
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(ready.body.error).toHaveProperty('redis.status', 'down');
    expect(ready.body.error).not.toHaveProperty('database');
    await request(app.getHttpServer()).get('/').expect(200);

    const started = Date.now();
    expect(await cache.get('outage-probe')).toBeUndefined();
    await expect(cache.set('outage-write', 'x', 60_000)).resolves.not.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);

    await redisProxy.start();
    await eventually(async () => {
      await request(app.getHttpServer()).get('/health/ready').expect(200);
      expect(await cache.get('outage-probe')).toBe('cached');
    });
  });
});
