import type { NestExpressApplication } from '@nestjs/platform-express';
import { startWebApp } from '../support/web-app';
import { browser, signUpVerified, STRONG_PASSWORD, submit, uniqueEmail, type Agent } from './support';

/** The page without what legitimately differs per response (CSRF tokens, request ids). */
function normalise(html: string): string {
  return html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('sign-up and password reset do not reveal whether an address has an account', () => {
  let app: NestExpressApplication;
  let agent: Agent;
  let existing: string;

  beforeAll(async () => {
    app = await startWebApp();
    agent = browser(app);
    existing = await signUpVerified(browser(app));
  });
  afterAll(async () => {
    await app.close();
  });

  async function timed(page: string, fields: Record<string, string>) {
    const html = (await agent.get(page)).text;
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const started = performance.now();
    const response = await agent
      .post(page)
      .type('form')
      .send({ ...fields, _csrf: token });
    return { status: response.status, body: normalise(response.text), ms: performance.now() - started };
  }

  async function compare(page: string, fieldsFor: (email: string) => Record<string, string>) {
    const known: Awaited<ReturnType<typeof timed>>[] = [];
    const unknown: Awaited<ReturnType<typeof timed>>[] = [];
    for (let i = 0; i < 6; i++) {
      // Interleaved, so drift in machine load affects both sides alike.
      known.push(await timed(page, fieldsFor(existing)));
      unknown.push(await timed(page, fieldsFor(uniqueEmail('nobody'))));
    }
    expect(new Set([...known, ...unknown].map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set([...known, ...unknown].map((r) => r.body)).size).toBe(1);
    const difference = Math.abs(median(known.map((r) => r.ms)) - median(unknown.map((r) => r.ms)));
    console.log(
      `${page}: median known ${median(known.map((r) => r.ms)).toFixed(0)} ms, unknown ${median(unknown.map((r) => r.ms)).toFixed(0)} ms`,
    );
    expect(difference).toBeLessThan(60);
  }

  it('sign-up: same status, same page, same time', async () => {
    await compare('/accounts/signup', (email) => ({
      email,
      displayName: 'Someone',
      password: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    }));
  });

  it('password reset: same status, same page, same time', async () => {
    await compare('/accounts/password-reset', (email) => ({ email }));
  });

  it('log-in: an unknown address and a wrong password get the same answer', async () => {
    const wrong = await submit(browser(app), '/accounts/login', {
      email: existing,
      password: 'not the password',
    });
    const unknown = await submit(browser(app), '/accounts/login', {
      email: uniqueEmail('nobody'),
      password: 'not the password',
    });
    expect(wrong.status).toBe(unknown.status);
    expect(normalise(wrong.text).replace(/value="[^"]*@example.com"/, '')).toBe(
      normalise(unknown.text).replace(/value="[^"]*@example.com"/, ''),
    );
  });
});
