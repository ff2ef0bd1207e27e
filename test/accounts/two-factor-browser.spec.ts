import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { describeInBrowser, launchChromium, startLiveApp, type LiveApp } from '../support/browser';
import { lastEmail, sql, uniqueEmail } from './support';
import { TestAuthenticator } from './two-factor-support';

const PASSWORD = 'a quiet evening by the lake 9';
// Set SCREENSHOT_DIR to keep a desktop and a 390 px wide picture of every page this walks through.
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

describeInBrowser(
  'two-factor sign-in in Chromium, with a real authenticator app and a virtual passkey authenticator',
  () => {
    let app: LiveApp;
    let chromium: Browser;
    let base: string;

    beforeAll(async () => {
      // The web app, a worker process and an SMTP server: the e-mails about factors are delivered.
      // WebAuthn needs a host name (an IP address is no RP ID); localhost is a secure context.
      app = await startLiveApp({ host: 'localhost' });
      base = app.base;
      chromium = await launchChromium();
      if (SCREENSHOT_DIR) mkdirSync(SCREENSHOT_DIR, { recursive: true });
    }, 120_000);
    afterAll(async () => {
      await chromium?.close();
      await app?.close();
    });

    async function member(): Promise<string> {
      const email = uniqueEmail('passkey');
      await sql(
        `INSERT INTO users (email, display_name, password_hash, email_verified_at, updated_at)
       VALUES ($1, 'Petra Passkey', $2, now(), now())`,
        [email, await hash(PASSWORD)],
      );
      return email;
    }

    /** A browser with Chromium's virtual authenticator attached (CDP WebAuthn domain): a platform passkey that verifies its user. */
    async function browserWithAuthenticator(): Promise<{
      context: BrowserContext;
      page: Page;
      cdp: CDPSession;
      authenticatorId: string;
    }> {
      const context = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      return { context, page, cdp, authenticatorId };
    }

    async function shoot(page: Page, name: string): Promise<void> {
      if (!SCREENSHOT_DIR) return;
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage: true });
      const desktop = page.viewportSize()!;
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-390.png`), fullPage: true });
      await page.setViewportSize(desktop);
    }

    async function logInWithPassword(page: Page, email: string): Promise<void> {
      await page.goto(`${base}/accounts/login`);
      await page.fill('#email', email);
      await page.fill('#password', PASSWORD);
      await page.click('form[action="/accounts/login"] button[type=submit]');
    }

    async function logOut(page: Page): Promise<void> {
      await page.click('header form[action="/accounts/logout"] button');
      await page.getByRole('heading', { name: 'You have been logged out' }).waitFor();
    }

    it('enrols an authenticator app (QR code, key as text, first code), saves the recovery codes, and passes the second step with the app', async () => {
      const email = await member();
      const { context, page } = await browserWithAuthenticator();
      const cspViolations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      await logInWithPassword(page, email);
      await page.waitForURL(`${base}/`);
      await page.goto(`${base}/accounts/profile`);
      await shoot(page, '01-profile-off');

      await page.click('a[href="/accounts/2fa/totp/activate"]');
      await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
      expect(await page.locator('.totp-qr svg').isVisible()).toBe(true);
      await page.click('summary');
      const secret = (await page.locator('.totp-secret').textContent())!.replace(/\s/g, '');
      await shoot(page, '02-totp-activate');
      const phone = new TestAuthenticator(secret);
      await page.fill('#code', '123456');
      await page.click('form[action="/accounts/2fa/totp/activate"] button[type=submit]');
      await page.getByText('That code is not right').waitFor();
      await page.fill('#code', phone.code());
      await page.click('form[action="/accounts/2fa/totp/activate"] button[type=submit]');
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      const codes = await page.locator('.recovery-code-list code').allTextContents();
      expect(codes).toHaveLength(10);
      expect(await page.locator('[data-print]').isVisible()).toBe(true);
      await shoot(page, '03-recovery-codes');
      const download = page.waitForEvent('download');
      await page.click('a[download]');
      const file = readFileSync((await (await download).path())!, 'utf8');
      for (const code of codes) expect(file).toContain(code);
      await page.click('text=I have saved my codes');
      await page.getByText('10 of 10').waitFor();
      await shoot(page, '04-profile-on');
      // Delivered by the worker over SMTP, like every e-mail.
      const added = await app.mailTo(email, /An authenticator app was added to your account/);
      expect(added.text).toContain(`${base}/accounts/profile`);
      expect(added.html).toContain('Review your two-factor settings');

      await logOut(page);
      await logInWithPassword(page, email);
      await page.waitForURL(`${base}/accounts/2fa/authenticate`);
      await page.fill('#code', '000000');
      await page.click('form[action="/accounts/2fa/authenticate"] button[type=submit]');
      await page.getByText('That code is not right').waitFor();
      await shoot(page, '05-second-step-wrong-code');
      await page.fill('#code', phone.code(1));
      await page.check('#trust');
      await page.click('form[action="/accounts/2fa/authenticate"] button[type=submit]');
      await page.waitForURL(`${base}/`);
      await page.getByText('Welcome back, Petra Passkey!').waitFor();
      expect((await context.cookies()).find((cookie) => cookie.name === 'mfa_trusted')).toMatchObject({
        httpOnly: true,
        sameSite: 'Lax',
        path: '/accounts',
      });

      // Sensitive pages: new recovery codes (a recent log-in suffices), removal (the password again).
      await page.goto(`${base}/accounts/2fa/recovery-codes/generate`);
      await page.getByRole('heading', { name: 'New recovery codes' }).waitFor();
      await shoot(page, '12-recovery-codes-generate');
      await page.goto(`${base}/accounts/reauthenticate?next=%2Faccounts%2Fprofile`);
      await shoot(page, '13-reauthenticate');
      await page.goto(`${base}/accounts/2fa/totp/deactivate`);
      await shoot(page, '14-totp-deactivate');
      await page.fill('#password', PASSWORD);
      await page.click('form button[type=submit].contrast');
      await page.getByText('The authenticator app has been removed.').waitFor();
      expect(cspViolations).toEqual([]);
      await context.close();
    });

    it('staff reset a member’s two-factor authentication from the user’s admin page', async () => {
      const email = await member();
      const [{ id }] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [email]);
      await sql(
        `INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, 'digest-' || n FROM generate_series(1, 10) n`,
        [id],
      );
      await sql(
        `INSERT INTO mfa_totp_authenticators (user_id, sealed_secret, last_used_step) VALUES ($1, 'v1.x.y.z', 0)`,
        [id],
      );
      const staff = await member();
      await sql('UPDATE users SET is_staff = true, is_superuser = true WHERE email = $1', [staff]);
      const context = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await logInWithPassword(page, staff);
      await page.waitForURL(`${base}/`);
      await page.goto(`${base}/admin/user/${id}/change`);
      await page.click(`a[href="/admin/user/${id}/two-factor"]`);
      await page.getByRole('heading', { name: /Reset two-factor authentication for/ }).waitFor();
      await shoot(page, '15-admin-reset');
      await page.click('form[action$="/two-factor"] button[type=submit]');
      await page.waitForURL(`${base}/admin/user/${id}/change`);
      await page.getByText('Two-factor authentication reset:').waitFor();
      await page.goto(`${base}/admin/user/${id}/history`);
      await page.getByText('Two-factor authentication reset (authenticator app)').waitFor();
      await shoot(page, '16-admin-history');
      await context.close();
    });

    it('adds a named passkey (virtual authenticator), uses it as the second factor and for a password-less log-in, adds and renames another from a second device, then removes the first with the password', async () => {
      const email = await member();
      const { context, page, cdp, authenticatorId } = await browserWithAuthenticator();
      const cspViolations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      await logInWithPassword(page, email);
      await page.waitForURL(`${base}/`);

      // Enrolment: named, created by the authenticator, first factor: recovery codes follow.
      await page.goto(`${base}/accounts/profile`);
      await page.click('a[href="/accounts/2fa/webauthn/add"]');
      await page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
      expect(await page.getByText('Adding a passkey needs JavaScript').isVisible()).toBe(false);
      await page.fill('#name', 'Work laptop');
      await shoot(page, '06-passkey-add');
      await page.click('[data-passkey-start]');
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      await page.getByText('Your passkey “Work laptop” has been added.').waitFor();
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0].isResidentCredential).toBe(true);
      const recoveryCodes = await page.locator('.recovery-code-list code').allTextContents();
      await page.click('text=I have saved my codes');
      // A second one, on the same account (the authenticator refuses a duplicate: the list excludes it).
      await page.goto(`${base}/accounts/2fa/webauthn/add`);
      await page.fill('#name', 'Again');
      await page.click('[data-passkey-start]');
      await page.getByText('This device already holds a passkey for your account.').waitFor();

      // Several per account: a second device (its own authenticator) logs in with a recovery
      // code, adds its passkey and renames it.
      const other = await browserWithAuthenticator();
      await logInWithPassword(other.page, email);
      await other.page.waitForURL(`${base}/accounts/2fa/authenticate`);
      await other.page.fill('#code', recoveryCodes[0]);
      await other.page.click('form[action="/accounts/2fa/authenticate"] button[type=submit]');
      await other.page.waitForURL(`${base}/`);
      await other.page.goto(`${base}/accounts/2fa/webauthn/add`);
      await other.page.fill('#name', 'Phone');
      await other.page.click('[data-passkey-start]');
      await other.page.getByText('Your passkey “Phone” has been added.').waitFor();
      await other.page.click('a[aria-label="Rename the passkey Phone"]');
      await other.page.fill('#name', 'My phone');
      await other.page.click('form[action$="/rename"] button[type=submit]');
      await other.page.getByText('The passkey is now called “My phone”.').waitFor();
      await other.context.close();

      await page.goto(`${base}/accounts/profile`);
      await page.locator('.factor-list strong', { hasText: 'Work laptop' }).waitFor();
      await page.locator('.factor-list strong', { hasText: 'My phone' }).waitFor();
      await page.getByText('9 of 10').waitFor();
      await shoot(page, '07-profile-passkey');
      expect(
        await sql(
          `SELECT 1 FROM outgoing_emails WHERE to_address = $1 AND template = 'two-factor-changed' AND subject = $2`,
          [email, 'A passkey (“Work laptop”) was added to your account'],
        ),
      ).toHaveLength(1);

      // Second factor after the password.
      await logOut(page);
      await logInWithPassword(page, email);
      await page.waitForURL(`${base}/accounts/2fa/authenticate`);
      await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
      await shoot(page, '08-second-step-passkey');
      await page.click('[data-passkey-start]');
      await page.waitForURL(`${base}/`);
      await page.getByText('Welcome back, Petra Passkey!').waitFor();

      // Password-less: the passkey alone, chosen by the browser (a discoverable credential).
      await logOut(page);
      await page.goto(`${base}/accounts/login`);
      await shoot(page, '09-login-with-passkey-button');
      await page.click('form[action="/accounts/login/passkey"] [data-passkey-start]');
      await page.waitForURL(`${base}/`);
      await page.getByText('Welcome back, Petra Passkey!').waitFor();
      const [row] = await sql<{ last_used_at: Date | null }>(
        `SELECT c.last_used_at FROM mfa_webauthn_credentials c JOIN users u ON u.id = c.user_id WHERE u.email = $1 AND c.name = 'Work laptop'`,
        [email],
      );
      expect(row.last_used_at).not.toBeNull();

      // Removal asks for the password.
      await page.goto(`${base}/accounts/profile`);
      await page.click('a[href^="/accounts/2fa/webauthn/"][href$="/remove"]');
      await page.fill('#password', 'not the password');
      await page.click('form button[type=submit].contrast');
      await page.getByText('Your password was entered incorrectly').waitFor();
      await shoot(page, '10-remove-passkey');
      await page.fill('#password', PASSWORD);
      await page.click('form button[type=submit].contrast');
      await page.getByText('The passkey “Work laptop” has been removed.').waitFor();
      await shoot(page, '11-profile-after-removal');
      const left = await sql<{ name: string }>(
        `SELECT c.name FROM mfa_webauthn_credentials c JOIN users u ON u.id = c.user_id WHERE u.email = $1`,
        [email],
      );
      expect(left).toEqual([{ name: 'My phone' }]);
      expect(await lastEmail(email, 'two-factor-changed')).toMatchObject({
        headline: 'The passkey “Work laptop” was removed from your account',
        detail: 'Your other two-factor methods still protect your account.',
      });

      // The authenticator still holds the (now unknown) passkey: password-less log-in is refused.
      await logOut(page);
      await page.goto(`${base}/accounts/login`);
      await page.click('form[action="/accounts/login/passkey"] [data-passkey-start]');
      await page.getByText('That passkey could not be verified').waitFor();
      expect(cspViolations).toEqual([]);
      await context.close();
    });

    it('without JavaScript the passkey forms stay hidden and the code form works', async () => {
      const email = await member();
      const context = await chromium.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await logInWithPassword(page, email);
      await page.waitForURL(`${base}/`);
      await page.goto(`${base}/accounts/login`);
      expect(await page.locator('form[action="/accounts/login/passkey"]').isVisible()).toBe(false);
      await page.goto(`${base}/accounts/2fa/webauthn/add`);
      await page.getByText('Adding a passkey needs JavaScript').waitFor();
      expect(await page.locator('form[data-passkey="register"]').isVisible()).toBe(false);
      await page.goto(`${base}/accounts/2fa/totp/activate`);
      const secret = (await page.locator('.totp-secret').textContent())!.replace(/\s/g, '');
      await page.fill('#code', new TestAuthenticator(secret).code());
      await page.click('form[action="/accounts/2fa/totp/activate"] button[type=submit]');
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      expect(await page.locator('[data-print]').isVisible()).toBe(false);
      await context.close();
    });
  },
);
