import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_ENV } from '../support/test-env';
import { startWebApp } from '../support/web-app';
import { browser, csrfFrom, expectStatus, logIn, signUpVerified } from './support';

describe('accounts while Redis (the session store) or PostgreSQL is down', () => {
  const redis = new URL(TEST_ENV.REDIS_URL);
  const database = new URL(TEST_ENV.DATABASE_URL);
  const proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
  const postgresProxy = new TcpProxy(database.hostname, Number(database.port || 5432));
  let app: NestExpressApplication;
  let proxyDown = false;
  let postgresDown = false;

  beforeAll(async () => {
    await proxy.start();
    await postgresProxy.start();
    app = await startWebApp({
      REDIS_URL: proxy.urlFor(TEST_ENV.REDIS_URL),
      DATABASE_URL: postgresProxy.urlFor(TEST_ENV.DATABASE_URL),
    });
  });
  afterAll(async () => {
    // Closed with both reachable, whatever the tests left behind.
    if (proxyDown) await proxy.start();
    if (postgresDown) await postgresProxy.start();
    await app.close();
    await proxy.stop();
    await postgresProxy.stop();
  });

  it('a PostgreSQL outage serves signed-in users anonymously meanwhile, without logging them out', async () => {
    const agent = browser(app);
    const email = await signUpVerified(browser(app));
    expectStatus(await logIn(agent, email), 303);
    expect((await agent.get('/accounts/login')).status).toBe(303);

    await postgresProxy.stop();
    postgresDown = true;
    const page = await agent.get('/accounts/login');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Log in');

    await postgresProxy.start();
    postgresDown = false;
    await eventually(async () => {
      const profile = await agent.get('/accounts/profile');
      expect(profile.status).toBe(200);
      expect(profile.text).toContain(email);
    });
  });

  it('pages still render, forms answer 503 with a clear message, and sessions come back with Redis', async () => {
    const agent = browser(app);
    const email = await signUpVerified(browser(app));
    expectStatus(await logIn(agent, email), 303);
    const loginPage = await request(app.getHttpServer()).get('/accounts/login');
    const token = csrfFrom(loginPage.text);

    await proxy.stop();
    proxyDown = true;
    const started = Date.now();
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_500);
    expectStatus(await request(app.getHttpServer()).get('/accounts/login'), 200);
    const post = await agent
      .post('/accounts/login')
      .type('form')
      .send({ email, password: 'x', _csrf: token });
    expect(post.status).toBe(503);
    expect(post.text).toContain('session store, which is not responding');

    await proxy.start();
    proxyDown = false;
    // The session kept in Redis is still there: the user is logged in again without doing anything.
    await eventually(async () => {
      const profile = await agent.get('/accounts/profile');
      expect(profile.status).toBe(200);
      expect(profile.text).toContain(email);
    });
  });
});
