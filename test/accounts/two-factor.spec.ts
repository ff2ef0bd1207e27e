import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';
import { startWebApp } from '../support/web-app';
import { TEST_ENV } from '../support/test-env';
import {
  browser,
  cookiesOf,
  csrfFrom,
  expectStatus,
  lastEmail,
  logIn,
  sessionCookie,
  signUpVerified,
  sql,
  STRONG_PASSWORD,
  submit,
  type Agent,
} from './support';
import {
  enrolTotp,
  passwordStep,
  recoveryCodesFrom,
  secondStep,
  TestAuthenticator,
} from './two-factor-support';

/** Makes the session (`sessionid=…`) look as if its log-in was long ago: re-authentication is asked. */
async function ageSession(cookie: string): Promise<void> {
  const id = decodeURIComponent(cookie.split('=')[1]).replace(/^s:/, '').split('.')[0];
  const redis = new Redis(TEST_ENV.REDIS_URL);
  try {
    const session = JSON.parse((await redis.get(`sess:${id}`))!) as Record<string, unknown>;
    session.authenticatedAt = Date.now() - 3_600_000;
    await redis.set(`sess:${id}`, JSON.stringify(session), 'KEEPTTL');
  } finally {
    redis.disconnect();
  }
}

async function signedIn(
  app: NestExpressApplication,
): Promise<{ agent: Agent; email: string; session: string }> {
  const agent = browser(app);
  const email = await signUpVerified(agent);
  const response = expectStatus(await logIn(agent, email), 303);
  return { agent, email, session: sessionCookie(response)! };
}

describe('two-factor sign-in: authenticator apps, recovery codes, the second step (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWebApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('enrols an authenticator app from the profile, confirmed by a first code; the secret is sealed at rest', async () => {
    const { agent, email } = await signedIn(app);
    const profile = expectStatus(await agent.get('/accounts/profile'), 200);
    expect(profile.text).toContain('Set up an authenticator app');
    expect(profile.text).toMatch(/badge">Off</);

    const page = expectStatus(await agent.get('/accounts/2fa/totp/activate'), 200);
    expect(page.text).toContain('<svg');
    const secret = /class="totp-secret">([A-Z2-7 ]+)</.exec(page.text)![1].replace(/ /g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // Nothing is stored before a code confirms it.
    expect(
      await sql(
        'SELECT 1 FROM mfa_totp_authenticators t JOIN users u ON u.id = t.user_id WHERE u.email = $1',
        [email],
      ),
    ).toHaveLength(0);

    const wrong = expectStatus(
      await agent
        .post('/accounts/2fa/totp/activate')
        .type('form')
        .send({ code: '000000', _csrf: csrfFrom(page.text) }),
      400,
    );
    expect(wrong.text).toContain('That code is not right');
    expect(wrong.text).toContain(secret.slice(0, 4)); // the same enrolment, to try again

    const done = expectStatus(
      await agent
        .post('/accounts/2fa/totp/activate')
        .type('form')
        .send({ code: new TestAuthenticator(secret).code(), _csrf: csrfFrom(page.text) }),
      201,
    );
    const codes = recoveryCodesFrom(done.text);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(done.text).toContain('download="event-planner-recovery-codes.txt"');

    const [row] = await sql<{ sealed_secret: string }>(
      'SELECT sealed_secret FROM mfa_totp_authenticators t JOIN users u ON u.id = t.user_id WHERE u.email = $1',
      [email],
    );
    expect(row.sealed_secret).toMatch(/^v1\./);
    expect(row.sealed_secret).not.toContain(secret);
    expect(Buffer.from(row.sealed_secret.split('.')[3], 'base64url').toString('latin1')).not.toContain(
      secret,
    );
    const hashes = await sql<{ code_hash: string }>(
      'SELECT code_hash FROM mfa_recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1',
      [email],
    );
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes)
      for (const code of codes) expect(code_hash).not.toContain(code.replace('-', ''));

    expect(await lastEmail(email, 'two-factor-changed')).toMatchObject({
      headline: 'An authenticator app was added to your account',
    });
    const after = expectStatus(await agent.get('/accounts/profile'), 200);
    expect(after.text).toMatch(/badge badge-on">On</);
    expect(after.text).toContain('<strong>10 of 10</strong> recovery codes left');
    // Shown once: nothing on the profile reveals them again.
    for (const code of codes) expect(after.text).not.toContain(code);
  });

  it('asks for the second step on its own page after the password, accepts a code once, and gives a new session id', async () => {
    const { agent, email } = await signedIn(app);
    const { app: phone, enrolmentCode } = await enrolTotp(agent);
    await submit(agent, '/accounts/logout', {});

    const anonymous = browser(app);
    const loginPage = await anonymous.get('/accounts/login?next=%2Fmy%2Fevents').expect(200);
    const first = sessionCookie(loginPage)!;
    const password = await passwordStep(anonymous, email, { next: '/my/events', remember: 'on' });
    const pending = sessionCookie(password)!;
    expect(pending).not.toBe(first);
    // Not signed in yet: the profile still sends to the log-in page.
    expect((await anonymous.get('/accounts/profile')).headers.location).toMatch(/^\/accounts\/login/);
    const page = expectStatus(await anonymous.get('/accounts/2fa/authenticate'), 200);
    expect(page.text).toContain('Code from your app');
    expect(page.text).toContain('Trust this browser for 30 days');

    // The enrolment's code is spent: the same code is refused inside its window.
    const replayed = expectStatus(await secondStep(anonymous, enrolmentCode), 400);
    expect(replayed.text).toContain('That code is not right (or was used already)');

    // The next step's code is inside the drift window.
    const code = phone.code(1);
    const passed = expectStatus(await secondStep(anonymous, code), 303);
    expect(passed.headers.location).toBe('/my/events');
    const signedInSession = sessionCookie(passed)!;
    // "Remember me", ticked with the password, holds after the second step.
    expect(cookiesOf(passed).find((c) => c.startsWith('sessionid='))).toMatch(/Expires=/);
    expect(signedInSession).not.toBe(pending);
    expect((await anonymous.get('/accounts/profile')).status).toBe(200);

    // The old pending session id is worthless now, and the code cannot be used again.
    await submit(anonymous, '/accounts/logout', {});
    const again = browser(app);
    await passwordStep(again, email);
    expect((await secondStep(again, code)).status).toBe(400);
  });

  it('recovery codes log in once each, the count left shows on the profile, and a new set kills the old one', async () => {
    const { agent, email } = await signedIn(app);
    const { recoveryCodes } = await enrolTotp(agent);
    await submit(agent, '/accounts/logout', {});

    const person = browser(app);
    await passwordStep(person, email);
    // Typed as a person might: upper case, with spaces.
    const typed = recoveryCodes[0].toUpperCase().replace('-', ' ');
    expect((await secondStep(person, typed)).status).toBe(303);
    expect(await lastEmail(email, 'two-factor-changed')).toMatchObject({
      headline: 'A recovery code was used to log in to your account',
      detail: expect.stringContaining('9 unused recovery codes left'),
    });
    expect((await person.get('/accounts/profile')).text).toContain('<strong>9 of 10</strong>');
    await submit(person, '/accounts/logout', {});

    const thief = browser(app);
    await passwordStep(thief, email);
    expect((await secondStep(thief, recoveryCodes[0])).status).toBe(400);

    // Regenerating needs a recent log-in: an old session is asked for the password first.
    const owner = browser(app);
    await passwordStep(owner, email);
    const loggedIn = expectStatus(await secondStep(owner, recoveryCodes[1]), 303);
    await ageSession(sessionCookie(loggedIn)!);
    const asked = await owner.get('/accounts/2fa/recovery-codes/generate');
    expect(asked.status).toBe(303);
    expect(asked.headers.location).toBe(
      '/accounts/reauthenticate?next=%2Faccounts%2F2fa%2Frecovery-codes%2Fgenerate',
    );
    const wrong = await submit(
      owner,
      asked.headers.location,
      { password: 'not my password', next: '/accounts/2fa/recovery-codes/generate' },
      '/accounts/reauthenticate',
    );
    expect(wrong.status).toBe(400);
    const confirmed = await submit(
      owner,
      asked.headers.location,
      { password: STRONG_PASSWORD, next: '/accounts/2fa/recovery-codes/generate' },
      '/accounts/reauthenticate',
    );
    expect(confirmed.headers.location).toBe('/accounts/2fa/recovery-codes/generate');
    const fresh = expectStatus(await submit(owner, '/accounts/2fa/recovery-codes/generate', {}), 201);
    const newCodes = recoveryCodesFrom(fresh.text);
    expect(newCodes).toHaveLength(10);
    expect(await lastEmail(email, 'two-factor-changed')).toMatchObject({
      headline: 'New recovery codes were made for your account',
    });
    await submit(owner, '/accounts/logout', {});

    const later = browser(app);
    await passwordStep(later, email);
    expect((await secondStep(later, recoveryCodes[2])).status).toBe(400);
    expect((await secondStep(later, newCodes[0])).status).toBe(303);
  });

  it('throttles the second step per account: 5 wrong codes, then even the right one waits, across new password steps', async () => {
    const { agent, email } = await signedIn(app);
    const { recoveryCodes } = await enrolTotp(agent);
    const attacker = browser(app);
    await passwordStep(attacker, email);
    for (let i = 0; i < 5; i++) expect((await secondStep(attacker, `12345${i}`)).status).toBe(400);
    const throttled = await secondStep(attacker, recoveryCodes[0]);
    expect(throttled.status).toBe(429);
    // The 15-minute lock, less the seconds since it began (a loaded machine takes a few).
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(890);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect(throttled.text).toContain('Too many failed attempts. Try again in 15 minutes.');
    // Entering the (known) password again buys no more guesses.
    const again = browser(app);
    await passwordStep(again, email);
    expect((await secondStep(again, recoveryCodes[0])).status).toBe(429);
    // The refused right code was not spent.
    expect(
      await sql(
        'SELECT 1 FROM mfa_recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1 AND used_at IS NOT NULL',
        [email],
      ),
    ).toHaveLength(0);
  });

  it('throttles a burst: 30 simultaneous wrong codes get 5 verdicts', async () => {
    const { agent, email } = await signedIn(app);
    await enrolTotp(agent);
    const attacker = browser(app);
    await passwordStep(attacker, email);
    const html = (await attacker.get('/accounts/2fa/authenticate')).text;
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        attacker
          .post('/accounts/2fa/authenticate')
          .set('X-Forwarded-For', `198.51.100.${i + 1}`)
          .type('form')
          .send({ code: String(100000 + i), _csrf: csrfFrom(html) })
          .then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 400)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(25);
  });

  it('"trust this browser" skips the second step for 30 days with a signed cookie, until forgotten or the password changes', async () => {
    const { agent, email } = await signedIn(app);
    const { app: phone, recoveryCodes } = await enrolTotp(agent);
    await submit(agent, '/accounts/logout', {});

    const laptop = browser(app);
    await passwordStep(laptop, email);
    const passed = expectStatus(await secondStep(laptop, phone.code(1), { trust: 'on' }), 303);
    const cookie = cookiesOf(passed).find((c) => c.startsWith('mfa_trusted='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/accounts/);
    const expires = new Date(/Expires=([^;]+)/.exec(cookie)![1]).getTime();
    expect(Math.abs(expires - Date.now() - 30 * 86_400_000)).toBeLessThan(60_000);
    await submit(laptop, '/accounts/logout', {});

    // Trusted: the password alone logs in on this browser…
    const straight = expectStatus(await logIn(laptop, email), 303);
    expect(straight.headers.location).toBe('/');
    // …but not on another one, nor with a tampered cookie.
    const value = cookie.split(';')[0].split('=')[1];
    const forged = browser(app);
    await forged.get('/accounts/login');
    const tampered = value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const refused = await forged
      .post('/accounts/login')
      .set('Cookie', `mfa_trusted=${tampered}`)
      .type('form')
      .send({
        email,
        password: STRONG_PASSWORD,
        _csrf: csrfFrom((await forged.get('/accounts/login')).text),
      });
    expect(refused.headers.location).toBe('/accounts/2fa/authenticate');

    // The profile lists it; forgetting it brings the second step back.
    const profile = expectStatus(await laptop.get('/accounts/profile'), 200);
    expect(profile.text).toContain('Trusted browsers');
    const id = /\/accounts\/2fa\/trusted-browsers\/(\d+)\/forget/.exec(profile.text)![1];
    expectStatus(
      await submit(laptop, '/accounts/profile', {}, `/accounts/2fa/trusted-browsers/${id}/forget`),
      303,
    );
    await submit(laptop, '/accounts/logout', {});
    await passwordStep(laptop, email);

    // Trust again, then change the password: the cookie's signature no longer matches.
    expectStatus(await secondStep(laptop, recoveryCodes[0], { trust: 'on' }), 303);
    const newPassword = 'an entirely new passphrase 77';
    expectStatus(
      await submit(laptop, '/accounts/password-change', {
        currentPassword: STRONG_PASSWORD,
        password: newPassword,
        password2: newPassword,
      }),
      303,
    );
    await submit(laptop, '/accounts/logout', {});
    const afterChange = expectStatus(await logIn(laptop, email, newPassword), 303);
    expect(afterChange.headers.location).toBe('/accounts/2fa/authenticate');
  });

  it('disabling needs the password again, e-mails the member, and takes the recovery codes and trusted browsers with it', async () => {
    const { agent, email } = await signedIn(app);
    await enrolTotp(agent);
    const form = expectStatus(await agent.get('/accounts/2fa/totp/deactivate'), 200);
    expect(form.text).toContain('enter your password');
    const wrong = await submit(agent, '/accounts/2fa/totp/deactivate', { password: 'wrong password here' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Your password was entered incorrectly');
    expect(
      await sql(
        'SELECT 1 FROM mfa_totp_authenticators t JOIN users u ON u.id = t.user_id WHERE u.email = $1',
        [email],
      ),
    ).toHaveLength(1);

    const removed = expectStatus(
      await submit(agent, '/accounts/2fa/totp/deactivate', { password: STRONG_PASSWORD }),
      303,
    );
    expect(removed.headers.location).toBe('/accounts/profile#two-factor');
    for (const table of ['mfa_totp_authenticators', 'mfa_recovery_codes', 'mfa_trusted_browsers']) {
      expect(
        await sql(`SELECT 1 FROM ${table} t JOIN users u ON u.id = t.user_id WHERE u.email = $1`, [email]),
      ).toHaveLength(0);
    }
    expect(await lastEmail(email, 'two-factor-changed')).toMatchObject({
      headline: 'The authenticator app was removed from your account',
      detail: 'Two-factor authentication is now off: your password alone logs you in.',
    });
    await submit(agent, '/accounts/logout', {});
    expect((await logIn(browser(app), email)).headers.location).toBe('/');
  });

  it('counts password-less passkey attempts against the address: challenges stop at LOGIN_FAILURES_PER_IP', async () => {
    const visitor = browser(app);
    const csrf = csrfFrom((await visitor.get('/accounts/login')).text);
    const ask = () =>
      visitor
        .post('/accounts/login/passkey/options')
        .set('X-Forwarded-For', '192.0.2.77')
        .set('X-CSRF-Token', csrf)
        .set('Accept', 'application/json');
    const first = await ask();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      rpId: 'localhost',
      userVerification: 'required',
      allowCredentials: [],
    });
    const statuses = await Promise.all(Array.from({ length: 55 }, () => ask().then((r) => r.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(49);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
  });

  it('leaves API bearer tokens as they were', async () => {
    const { agent } = await signedIn(app);
    await enrolTotp(agent);
    const created = expectStatus(
      await submit(agent, '/accounts/profile', { name: 'script' }, '/accounts/profile/tokens'),
      201,
    );
    const token = /class="new-token">([^<]+)</.exec(created.text)![1];
    const api = await browser(app).get('/api/v1/events').set('Authorization', `Bearer ${token}`);
    expect(api.status).toBe(200);
  });

  it('refuses a second step without a pending log-in, and a pending log-in whose password changed meanwhile', async () => {
    const stranger = browser(app);
    const page = await stranger.get('/accounts/2fa/authenticate');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/accounts/login');

    const { agent, email } = await signedIn(app);
    const { app: phone } = await enrolTotp(agent);
    const other = browser(app);
    await passwordStep(other, email);
    const newPassword = 'changed meanwhile passphrase 5';
    expectStatus(
      await submit(agent, '/accounts/password-change', {
        currentPassword: STRONG_PASSWORD,
        password: newPassword,
        password2: newPassword,
      }),
      303,
    );
    const late = await other.get('/accounts/2fa/authenticate');
    expect(late.headers.location).toBe('/accounts/login');
    const html = (await other.get('/accounts/login')).text;
    const posted = await other
      .post('/accounts/2fa/authenticate')
      .type('form')
      .send({ code: phone.code(1), _csrf: csrfFrom(html) });
    expect(posted.headers.location).toBe('/accounts/login');
  });
});

describe('two-factor policy for staff (MFA_REQUIRED_FOR_STAFF) and the admin reset', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWebApp({ MFA_REQUIRED_FOR_STAFF: 'true' });
  });
  afterAll(async () => {
    await app.close();
  });

  async function staff(permissions: string[] = []): Promise<{ agent: Agent; email: string; id: number }> {
    const { agent, email } = await signedIn(app);
    const [{ id }] = await sql<{ id: number }>(
      'UPDATE users SET is_staff = true WHERE email = $1 RETURNING id',
      [email],
    );
    for (const codename of permissions) {
      await sql(
        'INSERT INTO auth_user_permissions (user_id, permission_id) SELECT $1, id FROM auth_permissions WHERE codename = $2',
        [id, codename],
      );
    }
    return { agent, email, id };
  }

  it('sends staff without a second factor to enrol before the admin (and Bull Board) opens', async () => {
    const { agent } = await staff(['queues.view']);
    const admin = await agent.get('/admin').set('Accept', 'text/html');
    expect(admin.status).toBe(303);
    expect(admin.headers.location).toBe('/accounts/profile?next=%2Fadmin#two-factor');
    const queues = await agent.get('/admin/queues').set('Accept', 'text/html');
    expect(queues.headers.location).toBe('/accounts/profile?next=%2Fadmin%2Fqueues#two-factor');
    const profile = expectStatus(await agent.get('/accounts/profile?next=%2Fadmin'), 200);
    expect(profile.text).toContain('Staff need two-factor authentication to use the admin');
    expect(profile.text).toContain('/accounts/2fa/totp/activate?next=%2Fadmin');

    await enrolTotp(agent);
    expect((await agent.get('/admin')).status).toBe(200);
  });

  it('does not concern members who are not staff', async () => {
    const { agent } = await signedIn(app);
    expect((await agent.get('/admin')).status).toBe(403);
  });

  it('staff with user.change reset a member’s factors from the admin: logged, e-mailed, password alone again', async () => {
    const member = await signedIn(app);
    await enrolTotp(member.agent);
    const [{ id }] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [member.email]);

    const viewer = await staff(['user.view']);
    await enrolTotp(viewer.agent);
    expect((await viewer.agent.get(`/admin/user/${id}/two-factor`)).status).toBe(403);

    const admin = await staff(['user.view', 'user.change']);
    await enrolTotp(admin.agent);
    const change = expectStatus(await admin.agent.get(`/admin/user/${id}/change`), 200);
    expect(change.text).toContain(`/admin/user/${id}/two-factor`);
    const confirm = expectStatus(await admin.agent.get(`/admin/user/${id}/two-factor`), 200);
    expect(confirm.text).toContain('authenticator app');
    const done = expectStatus(await submit(admin.agent, `/admin/user/${id}/two-factor`, {}), 303);
    expect(done.headers.location).toBe(`/admin/user/${id}/change`);

    expect(await sql('SELECT 1 FROM mfa_totp_authenticators WHERE user_id = $1', [id])).toHaveLength(0);
    expect(await sql('SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1', [id])).toHaveLength(0);
    const [log] = await sql<{ message: string; user_id: number; action: string }>(
      `SELECT message, user_id, action FROM admin_log WHERE model = 'User' AND object_id = $1 ORDER BY id DESC LIMIT 1`,
      [String(id)],
    );
    expect(log).toMatchObject({
      message: 'Two-factor authentication reset (authenticator app)',
      user_id: admin.id,
      action: 'change',
    });
    expect(await lastEmail(member.email, 'two-factor-changed')).toMatchObject({
      headline: 'Two-factor authentication was reset on your account',
      detail:
        'Our staff removed your authenticator app, usually because you asked them to. Log in with your password and set up two-factor authentication again.',
    });
    await submit(member.agent, '/accounts/logout', {});
    expect((await logIn(browser(app), member.email)).headers.location).toBe('/');
  });
});
