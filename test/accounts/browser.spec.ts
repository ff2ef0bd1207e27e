import type { ParsedMail } from 'mailparser';
import { type Browser, type Page } from 'playwright-core';
import { describeInBrowser, launchChromium, linkIn, startLiveApp, type LiveApp } from '../support/browser';
import { uniqueEmail } from './support';

describeInBrowser('accounts in a real browser (Chromium), with e-mails through the worker and SMTP', () => {
  let app: LiveApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    app = await startLiveApp();
    base = app.base;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const mailTo = (address: string, subject: RegExp): Promise<ParsedMail> => app.mailTo(address, subject);

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
    // Confirmed in the browser that signed up: signed in, the header shows the user, no banner
    await page.waitForURL(`${base}/`);
    await page.getByText('your e-mail address is confirmed. You are logged in.').waitFor();
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
