import { Secret, TOTP } from 'otpauth';
import type request from 'supertest';
import { csrfFrom, expectStatus, logIn, submit, type Agent } from './support';

/**
 * An authenticator app in the test: computes codes from the secret the enrolment page showed, as
 * a phone would. `offsetSteps` reads the code of a neighbouring 30-second step (the drift window).
 */
export class TestAuthenticator {
  constructor(readonly secret: string) {}

  code(offsetSteps = 0): string {
    const totp = new TOTP({
      secret: Secret.fromBase32(this.secret),
      digits: 6,
      period: 30,
      algorithm: 'SHA1',
    });
    return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
  }
}

/** The key the enrolment page shows as text (grouped in fours). */
export function secretFrom(html: string): string {
  const match = /class="totp-secret">([A-Z2-7 ]+)</.exec(html);
  if (!match) throw new Error(`no TOTP secret on the page:\n${html.slice(0, 2000)}`);
  return match[1].replace(/ /g, '');
}

export function recoveryCodesFrom(html: string): string[] {
  return [...html.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((match) => match[1]);
}

/** Sets up an authenticator app from the profile, as a person would: the app and the codes shown once. */
export async function enrolTotp(
  agent: Agent,
): Promise<{ app: TestAuthenticator; recoveryCodes: string[]; enrolmentCode: string }> {
  const page = expectStatus(await agent.get('/accounts/2fa/totp/activate'), 200);
  const app = new TestAuthenticator(secretFrom(page.text));
  // Kept as sent: recomputed later, in the next 30-second step, it would be another (unused) code.
  const enrolmentCode = app.code();
  const done = expectStatus(
    await agent
      .post('/accounts/2fa/totp/activate')
      .type('form')
      .send({ code: enrolmentCode, _csrf: csrfFrom(page.text) }),
    201,
  );
  return { app, recoveryCodes: recoveryCodesFrom(done.text), enrolmentCode };
}

/** Password first; expects the redirect to the second step. */
export async function passwordStep(agent: Agent, email: string, extra: Record<string, string> = {}) {
  const response = expectStatus(await logIn(agent, email, undefined, extra), 303);
  expect(response.headers.location).toBe('/accounts/2fa/authenticate');
  return response;
}

export function secondStep(
  agent: Agent,
  code: string,
  extra: Record<string, string> = {},
): Promise<request.Response> {
  return submit(agent, '/accounts/2fa/authenticate', { code, ...extra });
}
