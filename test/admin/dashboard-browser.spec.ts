import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import { sql, STRONG_PASSWORD } from '../accounts/support';
import { describeInBrowser, launchChromium } from '../support/browser';
import { baseUrlOf, startWebApp } from '../support/web-app';
import { createUser } from './support';

// Set SCREENSHOT_DIR to keep a desktop and a 390 px wide picture of the dashboard.
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

// Run in the page (strings: this project's TypeScript has no DOM types).
const ALL_DRAWN = "document.querySelectorAll('canvas[data-rendered]').length === 3";
/** Per chart: its series, how many pixels are painted (not transparent), its accessible name. */
const DRAWN = `[...document.querySelectorAll('canvas[data-rendered]')].map((canvas) => {
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) painted++;
  return { series: Number(canvas.dataset.rendered), painted, label: canvas.getAttribute('aria-label') };
})`;

describeInBrowser('admin dashboard in a real browser (Chromium)', () => {
  let web: NestExpressApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    web = await startWebApp();
    base = baseUrlOf(web);
    browser = await launchChromium();
    if (SCREENSHOT_DIR) mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  async function shoot(page: Page, name: string): Promise<void> {
    if (!SCREENSHOT_DIR) return;
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage: true });
    const desktop = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    if (name === 'admin-dashboard') await page.waitForFunction(ALL_DRAWN);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-390.png`), fullPage: true });
    await page.setViewportSize(desktop);
  }

  it('draws the charts from the app-served library, with their tables one click away', async () => {
    const superuser = await createUser({ staff: true, superuser: true });
    // Some recent activity to draw: sign-ups, RSVPs and e-mails over the last days.
    const [event] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, updated_at)
       VALUES ($1, 'Dashboard picnic', now() + interval '20 days', now() + interval '20 days 2 hours', now()) RETURNING id`,
      [superuser.id],
    );
    await sql(
      `WITH people AS (
         INSERT INTO users (email, display_name, created_at, updated_at)
         SELECT 'dash-' || gen_random_uuid() || '@example.com', 'Dash', now() - (n % 20) * interval '1 day', now()
         FROM generate_series(1, 60) n RETURNING id, created_at)
       INSERT INTO rsvps (event_id, user_id, status, created_at, updated_at)
       SELECT $1, id, 'going', created_at - (id % 3) * interval '1 day', now() FROM people WHERE id % 4 <> 0`,
      [event.id],
    );
    await sql(
      `INSERT INTO outgoing_emails (id, to_address, template, subject, context, message_id, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'dash@example.com', 'test', 'Dash', '{}', '<' || gen_random_uuid() || '@x>',
              (ARRAY['sent', 'sent', 'sent', 'failed', 'queued'])[1 + n % 5]::outgoing_email_status,
              now() - (n % 14) * interval '1 day', now()
       FROM generate_series(1, 80) n`,
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // Failed loads are reported below with their address (the browser's own /favicon.ico aside).
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const scripts: string[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        scripts.push(`${response.status()} ${response.url()}`);
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
        problems.push(`${response.status()} ${response.url()}`);
    });

    await page.goto(`${base}/accounts/login?next=/admin`);
    await page.fill('#email', superuser.email);
    await page.fill('#password', STRONG_PASSWORD);
    await page.click('form[action="/accounts/login"] button[type=submit]');
    await page.waitForURL(`${base}/admin`);

    // Each chart drawn by Chart.js: data-rendered holds its number of series.
    await page.waitForFunction(ALL_DRAWN);
    const rendered = (await page.evaluate(DRAWN)) as { series: number; painted: number; label: string }[];
    expect(rendered.map((chart) => chart.series)).toEqual([2, 4, 4]);
    for (const chart of rendered) {
      expect(chart.painted).toBeGreaterThan(1_000);
      expect(chart.label).toMatch(/The figures are in the table below\.$/);
    }
    // Served by the app itself, no other origin.
    expect(scripts.every((script) => script.startsWith(`200 ${base}/`))).toBe(true);
    expect(scripts.some((script) => script.endsWith('/static/vendor/chart.js/chart.umd.js'))).toBe(true);

    await shoot(page, 'admin-dashboard');
    // The text alternative: the figures as a table, opened from the chart.
    await page.click('#chart-activity summary');
    const today = new Date().toISOString().slice(0, 10);
    const row = page.locator('#chart-activity tbody tr', { hasText: today });
    await expect(row.count()).resolves.toBe(1);

    // The event's change page with its RSVPs inline (for the pictures).
    await page.goto(`${base}/admin/event/${event.id}/change`);
    const [{ n }] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM rsvps WHERE event_id = $1', [
      event.id,
    ]);
    // Its RSVPs (at most 50 shown) and one empty row to add another.
    expect(await page.locator('#inline-rsvp tbody tr').count()).toBe(Math.min(n, 50) + 1);
    await shoot(page, 'admin-event-inline');
    expect(problems).toEqual([]);
    await context.close();
  });
});
