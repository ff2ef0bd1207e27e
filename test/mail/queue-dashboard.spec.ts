import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { browser, expectStatus, logIn, signUpVerified, sql } from '../accounts/support';
import { startWebApp } from '../support/web-app';

/** Bull Board at /admin/queues, in the real web app, behind the staff guards (fail-closed). */
describe('queue dashboard at /admin/queues', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWebApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('keeps out anonymous visitors and non-staff, and shows every queue to staff with queues.view', async () => {
    const anonymous = await request(app.getHttpServer()).get('/admin/queues').set('Accept', 'text/html');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/accounts/login?next=%2Fadmin%2Fqueues');
    const api401 = await request(app.getHttpServer())
      .get('/admin/queues/api/queues')
      .set('Accept', 'application/json');
    expect(api401.status).toBe(401);

    const agent = browser(app);
    const email = await signUpVerified(browser(app));
    expectStatus(await logIn(agent, email), 303);
    expect((await agent.get('/admin/queues')).status).toBe(403);
    await sql('UPDATE users SET is_staff = true WHERE email = $1', [email]);
    expect((await agent.get('/admin/queues/api/queues')).status).toBe(403);
    await sql(
      `INSERT INTO auth_user_permissions (user_id, permission_id)
       SELECT u.id, p.id FROM users u, auth_permissions p WHERE u.email = $1 AND p.codename = 'queues.view'`,
      [email],
    );

    const page = expectStatus(await agent.get('/admin/queues').set('Accept', 'text/html'), 200);
    expect(page.text).toContain('<base href="/admin/queues/"');
    const api = expectStatus(await agent.get('/admin/queues/api/queues'), 200);
    const names = (api.body as { queues: Array<{ name: string }> }).queues.map((queue) => queue.name);
    expect(names).toEqual(expect.arrayContaining(['mail', 'scheduler', 'system']));

    // Its fetch() calls change state; from another site they are refused before reaching the board.
    const crossSite = await agent
      .put('/admin/queues/api/queues/mail/clean/failed')
      .set('Origin', 'https://evil.example');
    expect(crossSite.status).toBe(403);
  });
});
