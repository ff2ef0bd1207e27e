import type { NestExpressApplication } from '@nestjs/platform-express';
import { startWebApp } from '../support/web-app';
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
  uniqueEmail,
} from './support';

describe('accounts: sign-up, verification, log-in/out (real PostgreSQL and Redis)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWebApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('signs up an unverified user, e-mails a link in the same transaction, and verifies once', async () => {
    const agent = browser(app);
    const email = uniqueEmail('signup');
    const response = expectStatus(
      await submit(agent, '/accounts/signup', {
        email: `  ${email.toUpperCase()} `,
        displayName: 'Ada',
        password: STRONG_PASSWORD,
        password2: STRONG_PASSWORD,
      }),
      200,
    );
    expect(response.text).toContain('Check your inbox');
    const [user] = await sql<{ email: string; email_verified_at: Date | null; password_hash: string }>(
      'SELECT email, email_verified_at, password_hash FROM users WHERE email = $1',
      [email],
    );
    expect(user.email).toBe(email);
    expect(user.email_verified_at).toBeNull();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    const context = await lastEmail(email, 'verify-email');
    expect(context?.verifyPath).toMatch(/^\/accounts\/verify-email\/[\w-]{43}$/);

    const token = context!.verifyPath.split('/').pop()!;
    const [stored] = await sql<{ token_hash: string }>(
      'SELECT token_hash FROM account_tokens WHERE purpose = $1 ORDER BY id DESC LIMIT 1',
      ['email_verification'],
    );
    expect(stored.token_hash).not.toContain(token);

    // Confirmed in the browser that signed up: signed in at once (django-allauth's login on confirmation).
    expect((await agent.get('/')).text).not.toContain('Log out');
    await agent.get(context!.verifyPath).expect(200);
    const verified = expectStatus(await submit(agent, context!.verifyPath, {}), 303);
    expect(verified.headers.location).toBe('/');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Log out');
    expect(home.text).toContain('your e-mail address is confirmed. You are logged in.');
    expect(home.text).not.toContain('Welcome back');
    const [after] = await sql<{ email_verified_at: Date | null }>(
      'SELECT email_verified_at FROM users WHERE email = $1',
      [email],
    );
    expect(after.email_verified_at).not.toBeNull();

    expect(await lastEmail(email, 'welcome')).toMatchObject({ displayName: 'Ada' });

    // Reused: the link page says so, and so does posting it
    expect((await agent.get(context!.verifyPath)).status).toBe(400);
    const reused = expectStatus(await submit(agent, '/', {}, context!.verifyPath), 400);
    expect(reused.text).toContain('invalid, has expired, or has already been used');
  });

  it('a confirmation link opened in another browser confirms but does not sign in: the log-in page says why', async () => {
    const email = uniqueEmail('elsewhere');
    const signupBrowser = browser(app);
    expectStatus(
      await submit(signupBrowser, '/accounts/signup', {
        email,
        displayName: 'Grace',
        password: STRONG_PASSWORD,
        password2: STRONG_PASSWORD,
      }),
      200,
    );
    const { verifyPath } = (await lastEmail(email, 'verify-email'))!;
    const other = browser(app);
    const confirmed = expectStatus(await submit(other, verifyPath, {}), 303);
    expect(confirmed.headers.location).toBe('/accounts/login');
    const loginPage = await other.get('/accounts/login').expect(200);
    expect(loginPage.text).toContain('your e-mail address is confirmed. Log in with your password');
    expect(loginPage.text).not.toContain('Log out');
    const [row] = await sql<{ email_verified_at: Date | null }>(
      'SELECT email_verified_at FROM users WHERE email = $1',
      [email],
    );
    expect(row.email_verified_at).not.toBeNull();
    // Neither browser holds a session for the member; the password opens one.
    expect((await signupBrowser.get('/')).text).not.toContain('Log out');
    expect(expectStatus(await logIn(other, email), 303).headers.location).toBe('/');
    expect((await other.get('/')).text).toContain('Log out');
  });

  it('logs in with a new session id, shows the user in the header, logs out by destroying the session', async () => {
    const email = await signUpVerified(browser(app));
    const agent = browser(app);
    const loginPage = await agent.get('/accounts/login').expect(200);
    const before = sessionCookie(loginPage);
    expect(before).toBeDefined();
    const response = await agent
      .post('/accounts/login')
      .type('form')
      .send({ email, password: STRONG_PASSWORD, _csrf: csrfFrom(loginPage.text) })
      .expect(303);
    const after = sessionCookie(response);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(cookiesOf(response).join(';')).toMatch(/HttpOnly/i);
    expect(cookiesOf(response).join(';')).toMatch(/SameSite=Lax/i);

    expect((await agent.get('/accounts/signup')).headers.location).toBe('/accounts/profile');
    expect((await agent.get('/accounts/login?next=%2Faccounts%2Fprofile')).headers.location).toBe(
      '/accounts/profile',
    );
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Log out');
    const profile = await agent.get('/accounts/profile').expect(200);
    expect(profile.text).toContain(email);

    expectStatus(await submit(agent, '/', {}, '/accounts/logout'), 200);
    const redirected = await agent.get('/accounts/profile').expect(303);
    expect(redirected.headers.location).toBe('/accounts/login?next=%2Faccounts%2Fprofile');
  });

  it('remembers the user only when asked', async () => {
    const agent = browser(app);
    const email = await signUpVerified(agent);
    const plain = expectStatus(await logIn(agent, email), 303);
    expect(cookiesOf(plain).join(';')).not.toMatch(/Expires=/i);
    const other = browser(app);
    const remembered = expectStatus(await logIn(other, email, STRONG_PASSWORD, { remember: 'on' }), 303);
    expect(cookiesOf(remembered).join(';')).toMatch(/Expires=/i);
  });

  it('sends at most 5 account e-mails an hour to one address, answering the same page regardless', async () => {
    const email = await signUpVerified(browser(app));
    const agent = browser(app);
    const pages = new Set<string>();
    for (let i = 0; i < 7; i++) {
      const response = expectStatus(await submit(agent, '/accounts/password-reset', { email }), 200);
      pages.add(response.text.replace(/name="_csrf" value="[^"]+"/g, ''));
    }
    expect(pages.size).toBe(1);
    // The sign-up's verification e-mail is not counted: it went to a new address.
    const [row] = await sql<{ count: string }>(
      `SELECT count(*) FROM outgoing_emails WHERE to_address = $1 AND template = 'password-reset'`,
      [email],
    );
    expect(Number(row.count)).toBe(5);
  });
});
