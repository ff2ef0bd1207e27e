import { hash } from '@node-rs/argon2';
import request from 'supertest';
import { freePort, startProcess, type RunningProcess } from '../support/processes';
import { csrfFrom, sql, uniqueEmail } from './support';

/** One log-in attempt the way a browser makes it: fetch the form (session + CSRF), post it. */
async function attempt(base: string, email: string, password: string): Promise<request.Response> {
  const agent = request.agent(base);
  const page = await agent.get('/accounts/login');
  return agent
    .post('/accounts/login')
    .type('form')
    .send({ email, password, _csrf: csrfFrom(page.text) });
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
      expect(throttled.headers['retry-after']).toBe('900');
    }
    // Another account from the same address is not locked by this one.
    const other = uniqueEmail('throttle-other');
    await sql(
      `INSERT INTO users (email, display_name, password_hash, email_verified_at, updated_at) VALUES ($1, 'O', $2, now(), now())`,
      [other, await hash(password)],
    );
    expect((await attempt(webs[1].base, other, password)).status).toBe(303);
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
});
