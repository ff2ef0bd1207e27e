import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { loadConfig } from '../../src/config/app-config';
import { languageOr } from '../../src/i18n/languages';
import { translateMessage } from '../../src/i18n/translator';
import { MailSecrets } from '../../src/mail/mail-secrets';
import { TEST_ENV } from '../support/test-env';

export type Agent = TestAgent;

/** A browser-like client: keeps cookies between requests. */
export function browser(app: NestExpressApplication): Agent {
  return request.agent(app.getHttpServer());
}

/** The `_csrf` value of the first form on a page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF token in page:\n${html.slice(0, 2000)}`);
  return match[1];
}

/** GETs `page` and POSTs `form` (plus its CSRF token) to `action`, like a person submitting it. */
export async function submit(
  agent: Agent,
  page: string,
  form: Record<string, string>,
  action = page.split('?')[0],
): Promise<request.Response> {
  const html = (await agent.get(page).expect(200)).text;
  return agent
    .post(action)
    .type('form')
    .send({ ...form, _csrf: csrfFrom(html) });
}

/** Every Set-Cookie header of a response. */
export function cookiesOf(response: request.Response): string[] {
  return ([] as string[]).concat(response.headers['set-cookie'] ?? []);
}

/** Fails with the page body (not just the status) when the status is not the expected one. */
export function expectStatus(response: request.Response, status: number): request.Response {
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${response.text.slice(0, 1500)}`);
  }
  return response;
}

export function sessionCookie(response: request.Response): string | undefined {
  const cookies = cookiesOf(response);
  return cookies.find((cookie) => cookie.startsWith('sessionid='))?.split(';')[0];
}

/** Runs SQL against the test database (to look at what the app wrote). */
export async function sql<T extends Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: TEST_ENV.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

let mailSecrets: MailSecrets | undefined;

/**
 * What the last e-mail recorded for `to` with `template` renders with (from the outbox table): its
 * context (catalogue messages translated as the e-mail shows them) and its sealed secrets
 * (one-time links), opened as the worker does.
 */
export async function lastEmail(to: string, template: string): Promise<Record<string, string> | undefined> {
  const rows = await sql<{
    id: string;
    context: Record<string, string>;
    secrets: string | null;
    erased: Date | null;
  }>(
    `SELECT id, context, sealed_secrets AS secrets, secrets_erased_at AS erased FROM outgoing_emails
     WHERE to_address = $1 AND template = $2 ORDER BY created_at DESC LIMIT 1`,
    [to, template],
  );
  if (!rows[0]) return undefined;
  const { id, context, secrets, erased } = rows[0];
  if (erased)
    throw new Error(
      `The ${template} e-mail to ${to} was sent and its links erased: read the delivered e-mail`,
    );
  mailSecrets ??= new MailSecrets(loadConfig(process.env));
  // Messages recorded as catalogue keys (headlines, details) as the e-mail shows them.
  const language = languageOr(context.lang);
  const shown = Object.fromEntries(
    Object.entries(context).map(([name, value]) => [
      name,
      typeof value === 'string' ? translateMessage(value, language) : value,
    ]),
  );
  return { ...shown, ...(secrets ? mailSecrets.open(id, secrets) : {}) };
}

export const STRONG_PASSWORD = 'correct horse battery staple 42';

let counter = 0;
/** A fresh e-mail address per call (suites share one database). */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}

/** Signs up and verifies through the pages, then logs out; returns the address. */
export async function signUpVerified(
  agent: Agent,
  email = uniqueEmail(),
  password = STRONG_PASSWORD,
): Promise<string> {
  expectStatus(
    await submit(agent, '/accounts/signup', {
      email,
      displayName: 'Test Person',
      password,
      password2: password,
    }),
    200,
  );
  const context = await lastEmail(email, 'verify-email');
  if (!context) throw new Error(`no verification e-mail for ${email}`);
  expectStatus(await submit(agent, context.verifyPath, {}), 303);
  // Confirming in the signing-up browser signs in; callers start from a signed-out browser.
  expectStatus(await submit(agent, '/', {}, '/accounts/logout'), 200);
  return email;
}

export async function logIn(
  agent: Agent,
  email: string,
  password = STRONG_PASSWORD,
  extra: Record<string, string> = {},
) {
  return submit(agent, '/accounts/login', { email, password, ...extra });
}
