import type { ParsedMail } from 'mailparser';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { uniqueEmail } from '../accounts/support';
import { describeInBrowser, launchChromium, linkIn, startLiveApp, type LiveApp } from '../support/browser';

const PASSWORD = 'events in the browser 2026';

describeInBrowser(
  'events in a real browser (Chromium): create, RSVP, announce with live progress, e-mails over SMTP',
  () => {
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

    /** Signs up through the pages and follows the e-mailed verification link (which signs in). */
    async function newUser(name: string): Promise<{ context: BrowserContext; page: Page; email: string }> {
      const context = await browser.newContext();
      const page = await context.newPage();
      const email = uniqueEmail(name.toLowerCase());
      await page.goto(`${base}/accounts/signup`);
      await page.fill('#email', email);
      await page.fill('#displayName', name);
      await page.fill('#password', PASSWORD);
      await page.fill('#password2', PASSWORD);
      await page.click('form[action="/accounts/signup"] button[type=submit]');
      await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
      const verification = await mailTo(email, /Confirm your e-mail address/);
      await page.goto(linkIn(verification, `${base}/accounts/verify-email/`));
      // Confirmed in the browser that signed up: signed in.
      await page.click('form button[type=submit]');
      await page.waitForURL(`${base}/`);
      return { context, page, email };
    }

    it('organizer creates an event, a guest RSVPs and is e-mailed, the announcement progress reaches 100% and arrives', async () => {
      const cspViolations: string[] = [];
      const organizer = await newUser('Olivia');
      organizer.page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });

      // Create the event through the form
      await organizer.page.goto(`${base}/my/events`);
      await organizer.page.click('a[href="/events/new"]');
      const title = `Picnic <in the park> ${Date.now()}`;
      await organizer.page.fill('input[name=title]', title);
      await organizer.page.fill('textarea[name=description]', 'Bring a blanket.');
      await organizer.page.fill('input[name=location]', 'Riverside park');
      const start = new Date(Date.now() + 5 * 86_400_000);
      await organizer.page.fill('input[name=startsAt]', start.toISOString().slice(0, 16));
      await organizer.page.fill(
        'input[name=endsAt]',
        new Date(start.getTime() + 3 * 3600_000).toISOString().slice(0, 16),
      );
      await organizer.page.fill('input[name=capacity]', '10');
      await organizer.page.click('form[action="/events/new"] button[type=submit]');
      await organizer.page.waitForURL(/\/events\/\d+$/);
      const eventUrl = organizer.page.url();
      await organizer.page.getByRole('heading', { name: title }).waitFor();

      // A second user finds it on the home page and RSVPs
      const guest = await newUser('Gustav');
      await guest.page.goto(`${base}/`);
      await guest.page.getByRole('link', { name: title }).click();
      await guest.page.waitForURL(eventUrl);
      await guest.page.getByRole('button', { name: 'RSVP' }).click();
      await guest.page.getByText('You are going.').first().waitFor();
      const confirmation = await mailTo(guest.email, /^You are going: /);
      expect(confirmation.subject).toBe(`You are going: ${title}`);
      expect(String(confirmation.html)).toContain('Picnic &lt;in the park&gt;');

      // The organizer e-mails everyone going and watches the progress bar
      await organizer.page.goto(eventUrl);
      await organizer.page.getByRole('link', { name: /Attendees/ }).click();
      await organizer.page.getByRole('cell', { name: guest.email }).waitFor();
      await organizer.page.fill('input[name=subject]', 'Rain plan');
      await organizer.page.fill('textarea[name=message]', 'If it rains we meet under the bridge.');
      // The worker is paused (SIGSTOP) while the task page loads, so the page opens its live stream
      // on a pending task and the bar moves without a reload once the worker resumes.
      app.worker.child.kill('SIGSTOP');
      const live = organizer.page.waitForRequest((req) => /\/tasks\/[0-9a-f-]+\/events$/.test(req.url()));
      try {
        await organizer.page.getByRole('button', { name: 'Send e-mail' }).click();
        await organizer.page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
        await organizer.page.locator('#task[data-status="pending"]').waitFor();
        await live;
      } finally {
        app.worker.child.kill('SIGCONT');
      }
      const taskUrl = organizer.page.url();
      // The bar is updated by the page's EventSource (or rendered final if the task was already done).
      await organizer.page.locator('#task-progress[value="100"]').waitFor({ timeout: 60_000 });
      await organizer.page.locator('#task[data-status="succeeded"]').waitFor();
      await organizer.page.getByText('Done (100%). Sent to 1 attendee.').waitFor();
      expect(organizer.page.url()).toBe(taskUrl);

      const announcement = await mailTo(guest.email, /^Rain plan$/);
      expect(announcement.text).toContain('If it rains we meet under the bridge.');
      expect(cspViolations).toEqual([]);
      await organizer.context.close();
      await guest.context.close();
    });
  },
);
