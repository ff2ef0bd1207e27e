import { Controller, Get, Module, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import {
  CurrentUser,
  RequireApiToken,
  RequireLogin,
  RequirePermission,
  RequireStaff,
  RequireSuperuser,
  RequireVerified,
} from '../../src/accounts/auth.decorators';
import { listening } from '../support/web-app';
import { AccountsModule } from '../../src/accounts/accounts.module';
import { PermissionsService } from '../../src/accounts/permissions.service';
import type { SessionUser } from '../../src/accounts/session-user';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';
import { addFlash } from '../../src/web/flash';
import { createWebApp } from '../../src/web/web-app';
import { fillPath, nestRoutes } from '../support/routes';
import {
  browser,
  csrfFrom,
  expectStatus,
  logIn,
  sessionCookie,
  signUpVerified,
  sql,
  STRONG_PASSWORD,
  submit,
  uniqueEmail,
} from './support';

/** Routes guarded by each decorator, as another feature module would write them. */
@Controller()
class ProbeController {
  @Get('probe/login')
  @RequireLogin()
  login(@CurrentUser() user: SessionUser) {
    return { id: user.id, email: user.email };
  }

  @Get('probe/verified')
  @RequireVerified()
  verified() {
    return { ok: true };
  }

  @Get('probe/staff')
  @RequireStaff()
  staff() {
    return { ok: true };
  }

  @Get('probe/superuser')
  @RequireSuperuser()
  superuser() {
    return { ok: true };
  }

  @Get('probe/permission')
  @RequirePermission('event.change')
  permission() {
    return { ok: true };
  }

  @Get('api/probe/me')
  @RequireApiToken()
  me(@CurrentUser() user: SessionUser) {
    return { id: user.id };
  }

  @Post('api/probe/change')
  @RequireApiToken()
  @RequirePermission('event.change')
  change() {
    return { changed: true };
  }

  @Get('probe/flash')
  flash(@Req() req: Request, @Res() res: Response) {
    addFlash(req, 'info', 'Stored in a session made for it.');
    res.redirect(303, '/');
  }

  /** The locals a page gets that are getters (each one defined per request would be a closure over it). */
  @Get('probe/locals')
  locals(@Res() res: Response) {
    const descriptors = Object.entries(Object.getOwnPropertyDescriptors(res.locals));
    res.json({ getters: descriptors.filter(([, descriptor]) => descriptor.get).map(([name]) => name) });
  }

  @Get('api/probe/session')
  @RequireLogin()
  session() {
    return { ok: true };
  }
}

describe('accounts security: CSRF, sessions, guards, permissions, API tokens', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    const config = loadConfig(process.env);
    // AccountsModule: the guards behind the Require… decorators inject its services.
    @Module({ imports: [AppModule.forRoot(config), AccountsModule], controllers: [ProbeController] })
    class ProbeRoot {}
    app = await listening(await createWebApp(config, { module: ProbeRoot }));
  });
  afterAll(async () => {
    await app.close();
  });

  describe('CSRF', () => {
    /** Every state-changing route the app has, from Nest's router (all features, not a list). */
    function stateChangingRoutes(): { method: string; path: string }[] {
      return nestRoutes(app)
        .filter((route) => route.method !== 'get')
        .map((route) => ({
          method: route.method,
          path: fillPath(
            route.path,
            Object.fromEntries(route.params.map((name) => [name, /id$/i.test(name) ? '1' : 'x'.repeat(43)])),
          ),
        }));
    }

    it('refuses (403) a POST without a token, or with a wrong one, on every state-changing route', async () => {
      // Pages answer the CSRF 403. Under /api a bearer-only route (CSRF-exempt, since no cookie
      // authenticates there) answers 401 to a request carrying only the session cookie.
      // The one-click unsubscribe POST is CSRF-exempt on purpose (RFC 8058: mail clients send it
      // without a session or token); its signed link authorises it, so an unsigned one is a 400.
      const refused = (path: string, status: number) =>
        status === 403 ||
        (path.startsWith('/api/') && status === 401) ||
        (path.startsWith('/email/unsubscribe/') && status === 400);
      const routes = stateChangingRoutes();
      expect(routes.length).toBeGreaterThanOrEqual(10);
      expect(routes.map((route) => route.path)).toEqual(
        expect.arrayContaining(['/accounts/login', '/accounts/signup', '/accounts/logout']),
      );
      // A signed-in user: the forged request carries a real session cookie, as a CSRF attack would.
      const victim = browser(app);
      const email = await signUpVerified(browser(app));
      expectStatus(await logIn(victim, email), 303);
      const realToken = csrfFrom((await victim.get('/accounts/profile')).text);
      const other = browser(app);
      const otherToken = csrfFrom((await other.get('/accounts/login')).text);

      const failures: string[] = [];
      for (const { method, path } of routes) {
        const attempts = [
          victim[method as 'post'](path).type('form').send({ displayName: 'x' }),
          victim[method as 'post'](path).type('form').send({ _csrf: otherToken }),
          victim[method as 'post'](path).send({
            _csrf: realToken.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
          }),
        ];
        for (const attempt of attempts) {
          const response = await attempt;
          if (!refused(path, response.status)) {
            failures.push(`${method.toUpperCase()} ${path} → ${response.status}`);
          }
        }
      }
      expect(failures).toEqual([]);
      // And the victim is untouched.
      expect((await victim.get('/accounts/profile')).text).toContain(email);
    });

    it('shows a helpful 403 page, and problem+json under /api', async () => {
      const agent = browser(app);
      await agent.get('/accounts/login');
      const page = await agent
        .post('/accounts/login')
        .type('form')
        .set('Accept', 'text/html')
        .send({ email: 'a@example.com', password: 'x' });
      expect(page.status).toBe(403);
      expect(page.text).toContain('CSRF check failed');
      const api = await agent.post('/api/probe/change').send({});
      expect(api.status).toBe(403);
      expect(api.headers['content-type']).toMatch(/problem\+json/);
    });

    it('exempts bearer-token API calls (no cookies involved)', async () => {
      const response = await request(app.getHttpServer())
        .post('/api/probe/change')
        .set('Authorization', 'Bearer ept_nope')
        .send({});
      expect(response.status).toBe(401);
    });
  });

  describe('sessions', () => {
    it('a visitor without one gets a session only when a page stores something in it', async () => {
      // A page without a form or message: no session, no cookie.
      const home = await request(app.getHttpServer()).get('/').expect(200);
      expect(sessionCookie(home)).toBeUndefined();
      // A form needs a CSRF token, tied to a new session that is stored and sent.
      const loginPage = await request(app.getHttpServer()).get('/accounts/login').expect(200);
      expect(sessionCookie(loginPage)).toMatch(/^sessionid=/);
      expect(csrfFrom(loginPage.text)).not.toBe('');
      // So does a flash message queued on a GET: it survives the redirect.
      const visitor = browser(app);
      const redirect = await visitor.get('/probe/flash').expect(303);
      expect(sessionCookie(redirect)).toMatch(/^sessionid=/);
      expect((await visitor.get('/').expect(200)).text).toContain('Stored in a session made for it.');
      // Shown once.
      expect((await visitor.get('/').expect(200)).text).not.toContain('Stored in a session made for it.');
    });

    it('defines no getter on res.locals per request (each kept its request alive until a full GC)', async () => {
      // Why: PendingFlash (src/web/flash.ts), which replaced the flash messages' getter.
      const anonymous = await request(app.getHttpServer()).get('/probe/locals').expect(200);
      expect(anonymous.body).toEqual({ getters: [] });
    });

    it('a session id planted or stolen before log-in is useless after it', async () => {
      const attacker = browser(app);
      const planted = sessionCookie(await attacker.get('/accounts/login'))!;
      expect(planted).toMatch(/^sessionid=/);
      const email = await signUpVerified(browser(app));
      // The victim logs in with the attacker's session cookie.
      const loginPage = await request(app.getHttpServer()).get('/accounts/login').set('Cookie', planted);
      const login = await request(app.getHttpServer())
        .post('/accounts/login')
        .set('Cookie', [
          planted,
          ...([] as string[]).concat(loginPage.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]),
        ])
        .type('form')
        .send({ email, password: STRONG_PASSWORD, _csrf: csrfFrom(loginPage.text) });
      expect(login.status).toBe(303);
      const fresh = sessionCookie(login)!;
      expect(fresh).not.toBe(planted);
      // The attacker's copy of the old id is not logged in...
      const stolen = await attacker.get('/probe/login');
      expect(stolen.status).toBe(303);
      // ...while the victim's new one is.
      const victim = await request(app.getHttpServer()).get('/probe/login').set('Cookie', fresh);
      expect(victim.status).toBe(200);
      expect(victim.body.email).toBe(email);
    });

    it('logout destroys the session server-side: a copied cookie stops working', async () => {
      const agent = browser(app);
      const email = await signUpVerified(browser(app));
      const login = expectStatus(await logIn(agent, email), 303);
      const copy = sessionCookie(login)!;
      expect((await request(app.getHttpServer()).get('/probe/login').set('Cookie', copy)).status).toBe(200);
      expectStatus(await submit(agent, '/accounts/profile', {}, '/accounts/logout'), 200);
      expect((await request(app.getHttpServer()).get('/probe/login').set('Cookie', copy)).status).toBe(303);
    });

    it('changing the password ends the other sessions of that user, not this one', async () => {
      const email = await signUpVerified(browser(app));
      const here = browser(app);
      const elsewhere = browser(app);
      expectStatus(await logIn(here, email), 303);
      expectStatus(await logIn(elsewhere, email), 303);
      const newPassword = 'another fine passphrase 9';
      expectStatus(
        await submit(here, '/accounts/password-change', {
          currentPassword: STRONG_PASSWORD,
          password: newPassword,
          password2: newPassword,
        }),
        303,
      );
      expect((await here.get('/probe/login')).status).toBe(200);
      expect((await elsewhere.get('/probe/login')).status).toBe(303);
      expectStatus(await logIn(browser(app), email, newPassword), 303);
    });

    it('only follows same-site next paths after log-in', async () => {
      const email = await signUpVerified(browser(app));
      for (const [next, expected] of [
        ['/probe/login?x=1', '/probe/login?x=1'],
        ['https://evil.example/', '/'],
        ['//evil.example/', '/'],
        ['/\\evil.example/', '/'],
        ['javascript:alert(1)', '/'],
        // Protocol-relative only once dot segments are resolved (the reported open redirect).
        ['/..//evil.example/path', '/'],
        ['/.//evil.example', '/'],
        ['/events/../my/rsvps', '/my/rsvps'],
      ]) {
        const agent = browser(app);
        const page = await agent.get(`/accounts/login?next=${encodeURIComponent(next)}`);
        expect(page.text).not.toMatch(/name="next" value="\/\//);
        const response = await agent
          .post('/accounts/login')
          .type('form')
          .send({ email, password: STRONG_PASSWORD, next, _csrf: csrfFrom(page.text) });
        expect(response.status).toBe(303);
        expect(response.headers.location).toBe(expected);
        // Signed in, the log-in page sends the visitor straight on: to the same place.
        const again = await agent.get(`/accounts/login?next=${encodeURIComponent(next)}`);
        expect(again.status).toBe(303);
        expect(again.headers.location).toBe(expected);
      }
    });
  });

  describe('guards', () => {
    it('pages redirect anonymous visitors to log-in with next; the API answers 401 problem+json', async () => {
      const page = await request(app.getHttpServer()).get('/probe/staff?tab=1');
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/accounts/login?next=%2Fprobe%2Fstaff%3Ftab%3D1');
      const api = await request(app.getHttpServer()).get('/api/probe/session');
      expect(api.status).toBe(401);
      expect(api.headers['content-type']).toMatch(/problem\+json/);
    });

    it('logged in but not allowed: 403; allowed: 200', async () => {
      const agent = browser(app);
      const email = uniqueEmail('unverified');
      expectStatus(
        await submit(agent, '/accounts/signup', {
          email,
          displayName: 'U',
          password: STRONG_PASSWORD,
          password2: STRONG_PASSWORD,
        }),
        200,
      );
      expectStatus(await logIn(agent, email), 303);
      // Unverified: can log in, sees the banner, cannot pass RequireVerified.
      expect((await agent.get('/')).text).toContain('Please confirm your e-mail address');
      expect((await agent.get('/probe/login')).status).toBe(200);
      const verified = await agent.get('/probe/verified').set('Accept', 'text/html');
      expect(verified.status).toBe(403);
      expect(verified.text).toContain('verify your e-mail address');
      expect((await agent.get('/probe/staff')).status).toBe(403);
      expect((await agent.get('/probe/superuser')).status).toBe(403);
      expect((await agent.get('/probe/permission')).status).toBe(403);

      await sql('UPDATE users SET email_verified_at = now(), is_staff = true WHERE email = $1', [email]);
      expect((await agent.get('/probe/verified')).status).toBe(200);
      expect((await agent.get('/')).text).not.toContain('Please confirm your e-mail address');
      expect((await agent.get('/probe/staff')).status).toBe(200);
      expect((await agent.get('/probe/superuser')).status).toBe(403);
      await sql('UPDATE users SET is_superuser = true WHERE email = $1', [email]);
      expect((await agent.get('/probe/superuser')).status).toBe(200);
      expect((await agent.get('/probe/permission')).status).toBe(200);
    });

    it('a deactivated user is logged out at the next request', async () => {
      const agent = browser(app);
      const email = await signUpVerified(browser(app));
      expectStatus(await logIn(agent, email), 303);
      await sql('UPDATE users SET is_active = false WHERE email = $1', [email]);
      expect((await agent.get('/probe/login')).status).toBe(303);
      await sql('UPDATE users SET is_active = true WHERE email = $1', [email]);
    });
  });

  describe('permissions', () => {
    it('grants model.action through groups or directly; superusers have all; boot sync covers every model', async () => {
      const permissions = app.get(PermissionsService);
      await permissions.syncPermissions();
      const codes = (await sql<{ codename: string }>('SELECT codename FROM auth_permissions')).map(
        (row) => row.codename,
      );
      expect(codes).toEqual(
        expect.arrayContaining([
          'user.view',
          'event.change',
          'rsvp.delete',
          'task.add',
          'outgoingemail.change',
          'group.view',
          'queues.view',
        ]),
      );
      expect(codes).not.toContain('usergroup.view');

      const email = await signUpVerified(browser(app));
      const [user] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [email]);
      const session: SessionUser = {
        id: user.id,
        email,
        displayName: '',
        isActive: true,
        isStaff: true,
        isSuperuser: false,
        emailVerifiedAt: new Date(),
        language: null,
      };
      expect(await permissions.hasPermission(session, 'event.change')).toBe(false);

      const [group] = await sql<{ id: number }>(`INSERT INTO auth_groups (name) VALUES ($1) RETURNING id`, [
        `editors-${user.id}`,
      ]);
      await sql(
        `INSERT INTO auth_group_permissions (group_id, permission_id) SELECT $1, id FROM auth_permissions WHERE codename = 'event.change'`,
        [group.id],
      );
      await sql('INSERT INTO auth_user_groups (user_id, group_id) VALUES ($1, $2)', [user.id, group.id]);
      expect(await permissions.hasPermission(session, 'event.change')).toBe(true);
      expect(await permissions.hasPermission(session, 'event.delete')).toBe(false);

      await sql(
        `INSERT INTO auth_user_permissions (user_id, permission_id) SELECT $1, id FROM auth_permissions WHERE codename = 'event.delete'`,
        [user.id],
      );
      expect(await permissions.hasPermission(session, 'event.delete')).toBe(true);
      expect([...(await permissions.permissionsOf(session))].sort()).toEqual([
        'event.change',
        'event.delete',
      ]);

      expect(await permissions.hasPermission({ ...session, isActive: false }, 'event.change')).toBe(false);
      expect(await permissions.hasPermission({ ...session, isSuperuser: true }, 'anything.at-all')).toBe(
        true,
      );
    });
  });

  describe('API tokens', () => {
    it('are shown once, stored hashed, authenticate bearer calls, record last use, and can be revoked', async () => {
      const agent = browser(app);
      const email = await signUpVerified(browser(app));
      expectStatus(await logIn(agent, email), 303);
      const created = expectStatus(
        await submit(agent, '/accounts/profile', { name: 'CI script' }, '/accounts/profile/tokens'),
        201,
      );
      const token = /<code class="new-token">(ept_[\w-]+)<\/code>/.exec(created.text)![1];
      expect((await agent.get('/accounts/profile')).text).not.toContain(token);
      const [row] = await sql<{ id: number; token_hash: string; last_used_at: Date | null }>(
        'SELECT id, token_hash, last_used_at FROM api_tokens WHERE user_id = (SELECT id FROM users WHERE email = $1)',
        [email],
      );
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.last_used_at).toBeNull();

      const me = await request(app.getHttpServer())
        .get('/api/probe/me')
        .set('Authorization', `Bearer ${token}`);
      expect(me.status).toBe(200);
      const [used] = await sql<{ last_used_at: Date | null }>(
        'SELECT last_used_at FROM api_tokens WHERE id = $1',
        [row.id],
      );
      expect(used.last_used_at).not.toBeNull();
      // No permission yet: 403 problem+json; the session cookie alone is not an API credential.
      const forbidden = await request(app.getHttpServer())
        .post('/api/probe/change')
        .set('Authorization', `Bearer ${token}`)
        .send({});
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['content-type']).toMatch(/problem\+json/);
      const cookieOnly = await agent.get('/api/probe/me');
      expect(cookieOnly.status).toBe(401);
      expect(cookieOnly.headers['www-authenticate']).toMatch(/Bearer/);

      expectStatus(
        await submit(agent, '/accounts/profile', {}, `/accounts/profile/tokens/${row.id}/revoke`),
        303,
      );
      expect(
        (await request(app.getHttpServer()).get('/api/probe/me').set('Authorization', `Bearer ${token}`))
          .status,
      ).toBe(401);
      expect(
        (await request(app.getHttpServer()).get('/api/probe/me').set('Authorization', 'Bearer ept_forged'))
          .status,
      ).toBe(401);
    });
  });
});
