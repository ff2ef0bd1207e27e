import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser } from 'playwright-core';
import { sql, STRONG_PASSWORD } from '../accounts/support';
import { describeInBrowser, launchChromium } from '../support/browser';
import { baseUrlOf, startWebApp } from '../support/web-app';
import { adminLog, createUser } from './support';

describeInBrowser('admin in a real browser (Chromium)', () => {
  let web: NestExpressApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    web = await startWebApp();
    base = baseUrlOf(web);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('a superuser logs in, finds an event by search, edits its title, sees it in the list and history, deletes it after confirming', async () => {
    const superuser = await createUser({ staff: true, superuser: true });
    const marker = `Quokka${Date.now()}`;
    const [event] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       VALUES ($1, $2, now() + interval '3 days', now() + interval '3 days 1 hour', 20, now()) RETURNING id`,
      [superuser.id, `${marker} picnic`],
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
    page.on('response', (response) => {
      // Browsers ask for /favicon.ico on their own; the app has none.
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
        problems.push(`${response.status()} ${response.url()}`);
    });

    // Not logged in: the admin sends the browser to the log-in page and back.
    await page.goto(`${base}/admin/event`);
    expect(new URL(page.url()).pathname).toBe('/accounts/login');
    await page.fill('#email', superuser.email);
    await page.fill('#password', STRONG_PASSWORD);
    await page.click('form[action="/accounts/login"] button[type=submit]');
    await page.waitForURL(`${base}/admin/event`);

    await page.fill('input[name="q"]', marker.toLowerCase());
    await page.click('form[role="search"] button[type=submit]');
    await page.waitForURL(/q=/);
    await page.click(`a[href="/admin/event/${event.id}/change"]`);
    await page.waitForURL(`${base}/admin/event/${event.id}/change`);
    expect(await page.inputValue('#id_title')).toBe(`${marker} picnic`);

    await page.fill('#id_title', `${marker} barbecue`);
    await page.click('button[name="_save"]');
    await page.waitForURL(`${base}/admin/event`);
    expect(await page.textContent('.flash')).toContain('was changed successfully');
    expect(await page.textContent('table.admin-table')).toContain(`${marker} barbecue`);

    await page.goto(`${base}/admin/event/${event.id}/history`);
    const history = await page.textContent('table.admin-history');
    expect(history).toContain(`${marker} picnic → ${marker} barbecue`);
    expect(history).toContain(superuser.email);

    await page.goto(`${base}/admin/event/${event.id}/change`);
    await page.click('a.admin-delete');
    await page.waitForURL(`${base}/admin/event/${event.id}/delete`);
    expect(await page.textContent('main')).toContain('Are you sure you want to delete');
    expect(await sql('SELECT id FROM events WHERE id = $1', [event.id])).toHaveLength(1);
    await page.click('button:has-text("Yes, I’m sure")');
    await page.waitForURL(`${base}/admin/event`);
    expect(await page.textContent('.flash')).toContain('was deleted successfully');
    expect(await sql('SELECT id FROM events WHERE id = $1', [event.id])).toEqual([]);
    expect((await adminLog('Event', event.id)).map((entry) => entry.action)).toEqual(['change', 'delete']);

    // The relation picker searches as you type (admin.js, allowed by the CSP).
    await page.goto(`${base}/admin/event/add`);
    await page.fill('#id_organizerId', superuser.email.slice(0, 12));
    await page.locator('#dl_organizerId option').first().waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
    await context.close();
  });
});
