import type { NestExpressApplication } from '@nestjs/platform-express';
import { startWebApp } from '../support/web-app';
import {
  browser,
  expectStatus,
  lastEmail,
  logIn,
  signUpVerified,
  sql,
  STRONG_PASSWORD,
  submit,
  uniqueEmail,
  type Agent,
} from './support';

/** The text of the `<small class="field-error">` for a field. */
function fieldError(html: string, field: string): string | undefined {
  return new RegExp(`<small id="${field}-errors" class="field-error">([^<]*)</small>`).exec(html)?.[1];
}

async function userCount(): Promise<number> {
  const [row] = await sql<{ count: string }>('SELECT count(*) FROM users');
  return Number(row.count);
}

describe('accounts forms reject bad input at the field, with a 4xx and nothing written', () => {
  let app: NestExpressApplication;
  let agent: Agent;

  beforeAll(async () => {
    app = await startWebApp();
    agent = browser(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const signup = (fields: Record<string, string>) =>
    submit(agent, '/accounts/signup', {
      email: uniqueEmail('form'),
      displayName: 'Grace',
      password: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
      ...fields,
    });

  const badSignups: [string, Record<string, string>, string, RegExp][] = [
    ['empty e-mail', { email: '' }, 'email', /Enter your e-mail address/],
    ['malformed e-mail', { email: 'not-an-address' }, 'email', /valid e-mail address/],
    ['oversized e-mail', { email: `${'a'.repeat(250)}@example.com` }, 'email', /at most 254 characters/],
    ['Cyrillic look-alike', { email: 'p\u0430ypal@example.com' }, 'email', /U\+0430.*not a plain ASCII/],
    ['full-width look-alike', { email: '\uff41dmin@example.com' }, 'email', /U\+FF41/],
    ['empty name', { displayName: '   ' }, 'displayName', /Enter your name/],
    ['oversized name', { displayName: 'x'.repeat(151) }, 'displayName', /at most 150/],
    ['empty password', { password: '', password2: '' }, 'password', /Enter a password/],
    ['short password', { password: 'Xq9!z', password2: 'Xq9!z' }, 'password', /too short.*at least 8/],
    [
      'oversized password',
      { password: 'x'.repeat(300), password2: 'x'.repeat(300) },
      'password',
      /at most 256/,
    ],
    ['common password', { password: 'sunshine1', password2: 'sunshine1' }, 'password', /too common/],
    ['numeric password', { password: '4819275036', password2: '4819275036' }, 'password', /entirely numeric/],
    [
      'password like the e-mail',
      {
        email: 'margaretta.hamilton@example.com',
        password: 'margarettahamilton',
        password2: 'margarettahamilton',
      },
      'password',
      /too similar to the e-mail/,
    ],
    [
      'password like the name',
      { displayName: 'Bartholomew Cubbins', password: 'bartholomew1', password2: 'bartholomew1' },
      'password',
      /too similar to the name/,
    ],
    ['passwords differ', { password2: 'something else entirely 99' }, 'password2', /didn.t match/],
  ];

  it.each(badSignups)('sign-up: %s', async (_label, fields, field, message) => {
    const before = await userCount();
    const response = expectStatus(await signup(fields), 400);
    expect(fieldError(response.text, field)).toMatch(message);
    expect(await userCount()).toBe(before);
    // The password never comes back in the page.
    if (fields.password) expect(response.text).not.toContain(`value="${fields.password}"`);
  });

  it('sign-up: a form missing fields entirely, or sending arrays, is a 400 too', async () => {
    const html = (await agent.get('/accounts/signup')).text;
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const empty = await agent.post('/accounts/signup').type('form').send({ _csrf: token });
    expectStatus(empty, 400);
    const arrays = await agent
      .post('/accounts/signup')
      .type('form')
      .send(`_csrf=${token}&email=a@example.com&email=b@example.com&displayName=x&password=a&password2=a`);
    expectStatus(arrays, 400);
  });

  it('log-in: empty and malformed fields', async () => {
    const empty = expectStatus(await submit(agent, '/accounts/login', { email: '', password: '' }), 400);
    expect(fieldError(empty.text, 'email')).toMatch(/Enter your e-mail address/);
    expect(fieldError(empty.text, 'password')).toMatch(/Enter a password/);
    const lookalike = expectStatus(
      await submit(agent, '/accounts/login', { email: 'j\u043ehn@example.com', password: 'x' }),
      400,
    );
    expect(fieldError(lookalike.text, 'email')).toMatch(/U\+043E/);
  });

  it('password reset request: malformed and look-alike addresses', async () => {
    const malformed = expectStatus(await submit(agent, '/accounts/password-reset', { email: 'nope' }), 400);
    expect(fieldError(malformed.text, 'email')).toMatch(/valid e-mail address/);
    const lookalike = expectStatus(
      await submit(agent, '/accounts/password-reset', { email: '\u0430dmin@example.com' }),
      400,
    );
    expect(fieldError(lookalike.text, 'email')).toMatch(/U\+0430/);
  });

  describe('tokens', () => {
    const forged = 'A'.repeat(43);

    it('forged, malformed and oversized verification tokens', async () => {
      for (const token of [forged, 'short', 'x'.repeat(500), '..%2F..%2Fetc']) {
        const response = await submit(agent, '/accounts/signup', {}, `/accounts/verify-email/${token}`);
        expect([400, 404]).toContain(response.status);
      }
    });

    it('an expired verification token is refused and changes nothing', async () => {
      const email = uniqueEmail('expired');
      expectStatus(await signup({ email }), 200);
      const { verifyPath } = (await lastEmail(email, 'verify-email'))!;
      await sql(
        `UPDATE account_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = (SELECT id FROM users WHERE email = $1)`,
        [email],
      );
      expectStatus(await agent.get(verifyPath), 400);
      const response = expectStatus(await submit(agent, '/accounts/login', {}, verifyPath), 400);
      expect(response.text).toContain('has expired');
      const [user] = await sql<{ email_verified_at: Date | null }>(
        'SELECT email_verified_at FROM users WHERE email = $1',
        [email],
      );
      expect(user.email_verified_at).toBeNull();
    });

    it('password reset: forged, expired and reused links; weak new passwords at the field', async () => {
      const user = browser(app);
      const email = await signUpVerified(user);
      expectStatus(await agent.get(`/accounts/password-reset/${forged}`), 400);
      expectStatus(await submit(agent, '/accounts/password-reset', { email }), 200);
      const { resetPath } = (await lastEmail(email, 'password-reset'))!;

      const weak = expectStatus(
        await submit(agent, resetPath, { password: 'password', password2: 'password' }),
        400,
      );
      expect(fieldError(weak.text, 'password')).toMatch(/too common/);
      const mismatch = expectStatus(
        await submit(agent, resetPath, { password: STRONG_PASSWORD, password2: 'other' }),
        400,
      );
      expect(fieldError(mismatch.text, 'password2')).toMatch(/didn.t match/);

      const newPassword = 'a brand new passphrase 7';
      expectStatus(await submit(agent, resetPath, { password: newPassword, password2: newPassword }), 303);
      // Reused
      expectStatus(await agent.get(resetPath), 400);
      const html = (await agent.get('/accounts/password-reset')).text;
      const token = /name="_csrf" value="([^"]+)"/.exec(html)![1];
      expectStatus(
        await agent.post(resetPath).type('form').send({
          _csrf: token,
          password: 'yet another passphrase 8',
          password2: 'yet another passphrase 8',
        }),
        400,
      );
      expectStatus(await logIn(browser(app), email, newPassword), 303);

      // Expired
      expectStatus(await submit(agent, '/accounts/password-reset', { email }), 200);
      const second = (await lastEmail(email, 'password-reset'))!.resetPath;
      await sql(
        `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'password_reset'`,
      );
      expectStatus(await agent.get(second), 400);
    });
  });

  it('profile and API token forms: empty and oversized', async () => {
    const user = browser(app);
    const email = await signUpVerified(user);
    expectStatus(await logIn(user, email), 303);
    const emptyName = expectStatus(await submit(user, '/accounts/profile', { displayName: '' }), 400);
    expect(fieldError(emptyName.text, 'displayName')).toMatch(/Enter your name/);
    const longToken = expectStatus(
      await submit(user, '/accounts/profile', { name: 'x'.repeat(101) }, '/accounts/profile/tokens'),
      400,
    );
    expect(fieldError(longToken.text, 'tokenName')).toMatch(/at most 100/);
    // A token id that cannot be one (not a number, beyond the column's int4 range) is a missing token.
    for (const id of ['not-a-number', '99999999999999', '0', '-1']) {
      const badId = await submit(user, '/accounts/profile', {}, `/accounts/profile/tokens/${id}/revoke`);
      expect(badId.status).toBe(404);
    }
    const wrongCurrent = expectStatus(
      await submit(user, '/accounts/password-change', {
        currentPassword: 'wrong',
        password: 'new passphrase 123',
        password2: 'new passphrase 123',
      }),
      400,
    );
    expect(fieldError(wrongCurrent.text, 'currentPassword')).toMatch(/incorrectly/);
  });
});
