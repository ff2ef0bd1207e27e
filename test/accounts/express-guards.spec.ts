import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import request from 'supertest';
import { requireSameOrigin, requireStaffPermission } from '../../src/accounts/express-guards';
import { PermissionsService } from '../../src/accounts/permissions.service';
import { loadConfig } from '../../src/config/app-config';
import { listening } from '../support/web-app';
import { createWebApp } from '../../src/web/web-app';
import { browser, expectStatus, logIn, signUpVerified, sql } from './support';

/** The guards a plain Express router (Bull Board at /admin/queues) is mounted behind. */
describe('guards for Express-mounted staff tools (the /admin/queues decision)', () => {
  let app: NestExpressApplication;
  const APP_URL = 'http://localhost:3000';

  beforeAll(async () => {
    const config = loadConfig({ ...process.env, APP_URL });
    app = await createWebApp(config);
    const permissions = app.get(PermissionsService);
    app.use(
      '/tools-probe',
      requireStaffPermission(permissions),
      requireSameOrigin(config),
      (req: Request, res: Response) => res.json({ method: req.method, ok: true }),
    );
    await listening(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('sends anonymous visitors to log in, refuses non-staff and staff without queues.view', async () => {
    const anonymous = await request(app.getHttpServer()).get('/tools-probe/').set('Accept', 'text/html');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/accounts/login?next=%2Ftools-probe%2F');
    expect((await request(app.getHttpServer()).put('/tools-probe/api/retry')).status).toBe(401);

    const agent = browser(app);
    const email = await signUpVerified(browser(app));
    expectStatus(await logIn(agent, email), 303);
    expect((await agent.get('/tools-probe/')).status).toBe(403);
    await sql('UPDATE users SET is_staff = true WHERE email = $1', [email]);
    expect((await agent.get('/tools-probe/')).status).toBe(403);
    await sql(
      `INSERT INTO auth_user_permissions (user_id, permission_id)
       SELECT u.id, p.id FROM users u, auth_permissions p WHERE u.email = $1 AND p.codename = 'queues.view'`,
      [email],
    );
    expect((await agent.get('/tools-probe/')).status).toBe(200);

    // State changes only from this origin (Bull Board's fetch() sends Origin), never cross-site.
    expect((await agent.put('/tools-probe/api/retry').set('Origin', APP_URL)).status).toBe(200);
    expect((await agent.put('/tools-probe/api/retry').set('Sec-Fetch-Site', 'same-origin')).status).toBe(200);
    const forged = await agent.put('/tools-probe/api/retry').set('Origin', 'https://evil.example');
    expect(forged.status).toBe(403);
    expect(forged.body.detail).toMatch(/Cross-site request refused/);
    expect((await agent.post('/tools-probe/api/clean')).status).toBe(403);
  });
});
