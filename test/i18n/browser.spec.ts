import { type Browser } from 'playwright-core';
import { uniqueEmail } from '../accounts/support';
import { describeInBrowser, launchChromium, linkIn, startLiveApp, type LiveApp } from '../support/browser';

/** Where screenshots go when SCREENSHOT_DIR is set (to look at the pages in each language). */
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

describeInBrowser(
  'sign-up in Ukrainian in a real browser (Chromium), with the e-mail through the worker',
  () => {
    let app: LiveApp;
    let browser: Browser;

    beforeAll(async () => {
      app = await startLiveApp();
      browser = await launchChromium();
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    it('a Ukrainian browser signs up in Ukrainian, gets the verification e-mail in Ukrainian, and confirms', async () => {
      const { base } = app;
      const context = await browser.newContext({ locale: 'uk-UA' });
      const page = await context.newPage();
      const email = uniqueEmail('uk-browser');
      const password = 'прогулянка парком 2026';

      await page.goto(`${base}/`);
      expect(await page.getAttribute('html', 'lang')).toBe('uk');
      await page.click('header a[href="/accounts/signup"]');
      await page.getByRole('heading', { name: 'Реєстрація' }).waitFor();
      // A mistake first: the messages come back in Ukrainian.
      await page.getByLabel('Адреса електронної пошти').fill('not-an-address');
      await page.getByLabel('Ім’я').fill('Олена');
      await page.getByLabel('Пароль', { exact: true }).fill(password);
      await page.getByLabel('Пароль ще раз').fill(password);
      await page.click('form[action="/accounts/signup"] button[type=submit]');
      await page.getByText('Введіть правильну адресу електронної пошти').waitFor();
      if (SCREENSHOT_DIR) await page.screenshot({ path: `${SCREENSHOT_DIR}/signup-uk.png`, fullPage: true });

      await page.getByLabel('Адреса електронної пошти').fill(email);
      await page.getByLabel('Пароль', { exact: true }).fill(password);
      await page.getByLabel('Пароль ще раз').fill(password);
      await page.click('form[action="/accounts/signup"] button[type=submit]');
      await page.getByRole('heading', { name: 'Перевірте пошту' }).waitFor();

      // The worker renders the e-mail in the language stored with the new account.
      const mail = await app.mailTo(email, /Підтвердьте адресу електронної пошти/);
      expect(mail.subject).toBe('Підтвердьте адресу електронної пошти для Event Planner');
      expect(mail.text).toContain('Вітаємо, Олена!');
      expect(mail.text).toContain('Посилання спрацює один раз і буде дійсне 72 години.');
      expect(String(mail.html)).toContain('<html lang="uk">');
      expect(String(mail.html)).toContain('Підтвердити мою адресу');

      await page.goto(linkIn(mail, `${base}/accounts/verify-email/`));
      await page.getByRole('button', { name: 'Підтвердити мою адресу' }).click();
      // Confirmed in the browser that signed up: logged in (django-allauth's login on confirmation).
      await page.waitForURL(`${base}/`);
      await page
        .getByText('Дякуємо: вашу адресу електронної пошти підтверджено. Ви увійшли в систему.')
        .waitFor();

      // The footer switcher (a signed-in page: a POST with its CSRF token): English.
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForURL(`${base}/`);
      await page.getByRole('link', { name: 'My events' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await context.close();
    });

    it('renders the log-in page in each language (screenshots when SCREENSHOT_DIR is set)', async () => {
      for (const [locale, heading] of [
        ['en-GB', 'Log in'],
        ['uk-UA', 'Вхід'],
        ['ru-RU', 'Вход'],
      ] as const) {
        const context = await browser.newContext({ locale, javaScriptEnabled: false });
        const page = await context.newPage();
        await page.goto(`${app.base}/accounts/login`);
        await page.getByRole('heading', { name: heading }).waitFor();
        if (SCREENSHOT_DIR) {
          await page.screenshot({ path: `${SCREENSHOT_DIR}/login-${locale}.png`, fullPage: true });
        }
        await context.close();
      }
    });
  },
);
