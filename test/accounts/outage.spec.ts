import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_ENV } from '../support/test-env';
import { startWebApp } from '../support/web-app';
import { browser, csrfFrom, expectStatus, logIn, signUpVerified } from './support';

async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe('accounts while Redis (the session store) is down', () => {
  const redis = new URL(TEST_ENV.REDIS_URL);
  const proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
  let app: NestExpressApplication;
  let proxyDown = false;

  beforeAll(async () => {
    await proxy.start();
    const url = new URL(TEST_ENV.REDIS_URL);
    url.port = String(proxy.port);
    app = await startWebApp({ REDIS_URL: url.toString() });
  });
  afterAll(async () => {
    // Closed with Redis reachable, whatever the test left behind.
    if (proxyDown) await proxy.start();
    await app.close();
    await proxy.stop();
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
