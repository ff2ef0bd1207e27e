import { createHash, randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import request from 'supertest';
import { freePort, startProcess, type RunningProcess } from '../support/processes';
import { csrfFrom, sql, uniqueEmail } from './support';

/** One log-in attempt the way a browser makes it: fetch the form (session + CSRF), post it. */
async function attempt(base: string, email: string, password: string): Promise<request.Response> {
  return (await preparedAttempt(base, email, password))();
}

/**
 * A browser that has loaded the log-in form (from `forwardedFor`, when given: the proxy's
 * X-Forwarded-For, trusted from loopback) and submits it when called.
 */
async function preparedAttempt(
  base: string,
  email: string,
  password: string,
  forwardedFor?: string,
): Promise<() => Promise<request.Response>> {
  const agent = request.agent(base);
  const headers: Record<string, string> = forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {};
  const page = await agent.get('/accounts/login').set(headers);
  const _csrf = csrfFrom(page.text);
  return async () => agent.post('/accounts/login').set(headers).type('form').send({ email, password, _csrf });
}

describe('login throttling across two real web processes (shared Redis)', () => {
  const webs: { process: RunningProcess; base: string }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const process = startProcess('src/main.ts', [], { PORT: String(port) });
      webs.push({ process, base: `http://127.0.0.1:${port}` });
    }
    await Promise.all(webs.map((web) => web.process.waitForLine(/Web ready/, 90_000)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(webs.map((web) => web.process.stop()));
  });

  it('refuses the 6th attempt after 5 wrong passwords in a row, on either process, even with the right password', async () => {
    const email = uniqueEmail('throttle');
    const password = 'the right passphrase 11';
    await sql(
      `INSERT INTO users (email, display_name, password_hash, email_verified_at, updated_at) VALUES ($1, 'T', $2, now(), now())`,
      [email, await hash(password)],
    );
    for (let i = 0; i < 5; i++) {
      const response = await attempt(webs[i % 2].base, email, `wrong password ${i}`);
      expect(response.status).toBe(400);
      expect(response.text).toContain('Please enter a correct e-mail address and password');
    }
    for (const web of webs) {
      const throttled = await attempt(web.base, email, password);
      expect(throttled.status).toBe(429);
      expect(throttled.text).toMatch(/Too many failed log-in attempts\. Try again in 15 minutes\./);
      // The 15-minute lock, less the seconds since it began (a loaded machine takes a few).
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(890);
      expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(900);
    }
    // Another account from the same address is not locked by this one.
    const other = uniqueEmail('throttle-other');
    await sql(
      `INSERT INTO users (email, display_name, password_hash, email_verified_at, updated_at) VALUES ($1, 'O', $2, now(), now())`,
      [other, await hash(password)],
    );
    expect((await attempt(webs[1].base, other, password)).status).toBe(303);
  });

  it('40 simultaneous wrong passwords from 40 addresses get 5 verdicts, as a sequence would', async () => {
    const email = uniqueEmail('burst');
    await sql(
      `INSERT INTO users (email, display_name, password_hash, email_verified_at, updated_at) VALUES ($1, 'B', $2, now(), now())`,
      [email, await hash('the right passphrase 13')],
    );
    const attempts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        preparedAttempt(webs[i % 2].base, email, `wrong guess ${i}`, `203.0.113.${i + 1}`),
      ),
    );
    // Every form is loaded first, then all 40 are submitted at once, half to each process.
    const responses = await Promise.all(attempts.map((submitForm) => submitForm()));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 400)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(35);
    for (const response of responses.filter((r) => r.status === 429)) {
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('a success resets the count: 4 failures, a success, then 4 more failures are all allowed', async () => {
    const email = uniqueEmail('reset-count');
    const password = 'the right passphrase 12';
    await sql(
      `INSERT INTO users (email, display_name, password_hash, email_verified_at, updated_at) VALUES ($1, 'T', $2, now(), now())`,
      [email, await hash(password)],
    );
    for (let i = 0; i < 4; i++)
      expect((await attempt(webs[i % 2].base, email, 'nope nope')).status).toBe(400);
    expect((await attempt(webs[0].base, email, password)).status).toBe(303);
    for (let i = 0; i < 4; i++)
      expect((await attempt(webs[i % 2].base, email, 'nope nope')).status).toBe(400);
    expect((await attempt(webs[1].base, email, password)).status).toBe(303);
  });

  it('invalid API tokens: 150 at once from one address are told "invalid" 20 times, then 429 until the window ends', async () => {
    const [user] = await sql<{ id: number }>(
      `INSERT INTO users (email, display_name, email_verified_at, updated_at) VALUES ($1, 'A', now(), now()) RETURNING id`,
      [uniqueEmail('bearer')],
    );
    const valid = `ept_${randomBytes(32).toString('base64url')}`;
    await sql(`INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES ($1, 'ok', $2, $3)`, [
      user.id,
      valid.slice(0, 10),
      createHash('sha256').update(valid).digest('hex'),
    ]);
    const call = (i: number, token: string, from: string) =>
      request(webs[i % 2].base)
        .get('/api/v1/events')
        .set('Authorization', `Bearer ${token}`)
        .set('X-Forwarded-For', from);
    const attacker = '198.51.100.7';
    const responses = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        call(i, `ept_${randomBytes(32).toString('base64url')}`, attacker),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(130);
    const refused = responses.find((response) => response.status === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(800);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    // The address is refused before any lookup, a valid token included; other addresses are not.
    expect((await call(0, valid, attacker)).status).toBe(429);
    expect((await call(1, valid, '198.51.100.8')).status).toBe(200);
  });
});
