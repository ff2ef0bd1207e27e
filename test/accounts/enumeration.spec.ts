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

  /**
   * Paired samples: each pair is one request for the known address and one for an unknown one, in
   * flight together (first one, then the other, sent first), so whatever else loads the machine
   * slows both alike. A leak is a difference that is both material (over 10% of a response, 15 ms
   * at least) and systematic (the same way in at least 14 of 16 pairs: p < 0.5% by chance alone,
   * and then it must be material too). Noise on a loaded machine is neither.
   */
  async function compare(page: string, fieldsFor: (email: string) => Record<string, string>) {
    const PAIRS = 16;
    const pairs: Array<{
      known: Awaited<ReturnType<typeof timed>>;
      unknown: Awaited<ReturnType<typeof timed>>;
    }> = [];
    for (let i = 0; i < PAIRS; i++) {
      const known = () => timed(page, fieldsFor(existing));
      const unknown = () => timed(page, fieldsFor(uniqueEmail('nobody')));
      if (i % 2 === 0) {
        const [k, u] = await Promise.all([known(), unknown()]);
        pairs.push({ known: k, unknown: u });
      } else {
        const [u, k] = await Promise.all([unknown(), known()]);
        pairs.push({ known: k, unknown: u });
      }
    }
    const all = pairs.flatMap((pair) => [pair.known, pair.unknown]);
    expect(new Set(all.map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set(all.map((r) => r.body)).size).toBe(1);

    const differences = pairs.map((pair) => pair.known.ms - pair.unknown.ms);
    const shift = median(differences);
    const typical = median(all.map((r) => r.ms));
    const sameWay = differences.filter((difference) => Math.sign(difference) === Math.sign(shift)).length;
    const material = Math.abs(shift) > Math.max(15, 0.1 * typical);
    const systematic = sameWay >= 14;
    console.log(
      `${page}: typical ${typical.toFixed(0)} ms, known − unknown median ${shift.toFixed(1)} ms, ` +
        `same way in ${sameWay}/${PAIRS} pairs`,
    );
    expect({ material, systematic }).not.toEqual({ material: true, systematic: true });
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
