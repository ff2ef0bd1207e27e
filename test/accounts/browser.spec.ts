import net from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ParsedMail } from 'mailparser';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startProcess, type RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { startWebApp } from '../support/web-app';
import { uniqueEmail } from './support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The first link in a received e-mail's text part that starts with `prefix`. */
function linkIn(mail: ParsedMail, prefix: string): string {
  const link = (mail.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no ${prefix} link in:\n${mail.text}`);
  return link;
}

describe('accounts in a real browser (Chromium), with e-mails through the worker and SMTP', () => {
  const sink = new SmtpSink();
  let web: NestExpressApplication;
  let worker: RunningProcess;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    await sink.start(0);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Links in e-mails point at this web server.
    const env = { APP_URL: base, SMTP_URL: sink.url };
    worker = startProcess('src/worker.ts', [], env);
    web = await startWebApp(env);
    await web.listen(port, '127.0.0.1');
    await worker.waitForLine(/Worker ready/, 90_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await worker?.stop();
    await sink.stop();
  });

  async function mailTo(address: string, subject: RegExp): Promise<ParsedMail> {
    const matches = (mail: ParsedMail) =>
      JSON.stringify(mail.to).includes(address) && subject.test(mail.subject ?? '');
    await sink.waitUntil((messages) => messages.some(matches), 60_000);
    return sink.messages.filter(matches).at(-1)!;
  }

  async function logIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${base}/accounts/login`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('form[action="/accounts/login"] button[type=submit]');
    await page.waitForURL(`${base}/`);
  }

  it('signs up, verifies through the e-mailed link, logs in and out, resets the password, logs in again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    const email = uniqueEmail('browser');
    const password = 'a walk in the park 2026';

    // Sign up
    await page.goto(`${base}/`);
    await page.click('header a[href="/accounts/signup"]');
    await page.fill('#email', email);
    await page.fill('#displayName', 'Brenda Browser');
    await page.fill('#password', password);
    await page.fill('#password2', password);
    await page.click('form[action="/accounts/signup"] button[type=submit]');
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    // Verify through the link in the e-mail the worker delivered
    const verification = await mailTo(email, /Confirm your e-mail address/);
    const verifyLink = linkIn(verification, `${base}/accounts/verify-email/`);
    expect(verification.html).toContain(verifyLink);
    await page.goto(verifyLink);
    await page.click('form button[type=submit]');
    await page.waitForURL(`${base}/accounts/login`);
    await page.getByText('your e-mail address is confirmed').waitFor();

    // Log in: the header shows the user, no "unverified" banner
    await logIn(page, email, password);
    await page.getByRole('link', { name: 'Brenda Browser' }).waitFor();
    expect(await page.getByText('Please confirm your e-mail address').count()).toBe(0);

    // Log out from the header
    await page.click('header form[action="/accounts/logout"] button');
    await page.getByRole('heading', { name: 'You have been logged out' }).waitFor();
    await page.goto(`${base}/accounts/profile`);
    expect(page.url()).toBe(`${base}/accounts/login?next=%2Faccounts%2Fprofile`);

    // Reset the password through the e-mailed link
    await page.goto(`${base}/accounts/password-reset`);
    await page.fill('#email', email);
    await page.click('form[action="/accounts/password-reset"] button[type=submit]');
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    const reset = await mailTo(email, /Reset your Event Planner password/);
    await page.goto(linkIn(reset, `${base}/accounts/password-reset/`));
    const newPassword = 'a different walk 2027';
    await page.fill('#password', newPassword);
    await page.fill('#password2', newPassword);
    await page.click('form button[type=submit]');
    await page.waitForURL(`${base}/accounts/login`);

    // The old password no longer works; the new one does
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('form[action="/accounts/login"] button[type=submit]');
    await page.getByText('Please enter a correct e-mail address and password').waitFor();
    await logIn(page, email, newPassword);
    await page.getByRole('link', { name: 'Brenda Browser' }).waitFor();

    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'sessionid')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', expires: -1 });
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
