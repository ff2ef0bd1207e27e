import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser } from 'playwright-core';
import { sql } from '../accounts/support';
import { createUser } from '../admin/support';
import { describeInBrowser, launchChromium } from '../support/browser';
import { baseUrlOf, startWebApp } from '../support/web-app';

describeInBrowser('event times in Chromium, in the reader’s language (Ukrainian, Russian)', () => {
  let web: NestExpressApplication;
  let chromium: Browser;
  let base: string;
  let eventId: number;

  beforeAll(async () => {
    web = await startWebApp();
    base = baseUrlOf(web);
    chromium = await launchChromium();
    const organizer = await createUser();
    // Saturday 14 June 2031, 19:00–22:00 in New York: Sunday morning in Tokyo.
    [{ id: eventId }] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, time_zone, capacity, updated_at)
       VALUES ($1, 'Jazz on the roof', '2031-06-14T23:00:00Z', '2031-06-15T02:00:00Z', 'America/New_York', 10, now())
       RETURNING id`,
      [organizer.id],
    );
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await web?.close();
  });

  it('prints the event’s time and the visitor’s own (local-time.js) in their language', async () => {
    const cases = [
      {
        locale: 'uk-UA',
        when: /^сб, 14 черв\. 2031\sр\., 19:00–22:00 (EDT|GMT-4)$/,
        local: /^Ваш час: нд, 15 черв\., 08:00\s*[–-]\s*11:00 (GMT\+9|JST)$/,
        zone: '(за часом America/New_York)',
      },
      {
        locale: 'ru-RU',
        when: /^сб, 14 июн\. 2031\sг\., 19:00–22:00 (EDT|GMT-4)$/,
        local: /^Ваше время: вс, 15 июн\., 08:00\s*[–-]\s*11:00 (GMT\+9|JST)$/,
        zone: '(по времени America/New_York)',
      },
      {
        locale: 'en-GB',
        when: /^Sat, 14 Jun 2031, 19:00–22:00 (EDT|GMT-4)$/,
        local: /^Your time: Sun 15 Jun, 08:00\s*[–-]\s*11:00 (GMT\+9|JST)$/,
        zone: '(America/New_York time)',
      },
    ];
    for (const { locale, when, local, zone } of cases) {
      // Chromium asks for its locale's language (Accept-Language); a second visit may be the cached copy.
      const context = await chromium.newContext({ locale, timezoneId: 'Asia/Tokyo' });
      const page = await context.newPage();
      for (let visit = 0; visit < 2; visit++) {
        await page.goto(`${base}/events/${eventId}`);
        await page.getByTestId('local-time').waitFor();
        expect(await page.locator('.event-when time').textContent()).toMatch(when);
        expect(await page.getByTestId('local-time').textContent()).toMatch(local);
        expect(await page.locator('.event-when > small').first().textContent()).toBe(zone);
      }
      await context.close();
    }
  }, 120_000);
});
