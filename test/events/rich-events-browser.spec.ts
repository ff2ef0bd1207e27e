import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { EventsCache } from '../../src/events/events.cache';
import { sql, STRONG_PASSWORD } from '../accounts/support';
import { createUser } from '../admin/support';
import { describeInBrowser, launchChromium } from '../support/browser';
import { baseUrlOf, startWebApp } from '../support/web-app';

// Set SCREENSHOT_DIR to keep a desktop and a 390 px wide picture of each page this walks through.
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

/** What the page's <img> elements tell (this project's TypeScript has no DOM types). */
type Picture = { naturalWidth: number; naturalHeight: number };
/** A browser-side condition: the image `selector` names has loaded. */
const loaded = (selector: string) =>
  `(() => { const img = document.querySelector(${JSON.stringify(selector)}); return !!img && img.complete && img.naturalWidth > 0; })()`;

describeInBrowser(
  'richer events in Chromium: cover image, Markdown, categories and filters, local times',
  () => {
    let web: NestExpressApplication;
    let chromium: Browser;
    let base: string;
    let mediaRoot: string;
    let category: { id: number; name: string; slug: string };

    beforeAll(async () => {
      mediaRoot = await mkdtemp(join(tmpdir(), 'ep-media-browser-'));
      web = await startWebApp({ MEDIA_ROOT: mediaRoot });
      base = baseUrlOf(web);
      chromium = await launchChromium();
      if (SCREENSHOT_DIR) mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const slug = `board-games-${Date.now()}`;
      [category] = await sql<{ id: number; name: string; slug: string }>(
        `INSERT INTO event_categories (name, slug) VALUES ($1, $2) RETURNING id, name, slug`,
        [`Board games ${Date.now()}`, slug],
      );
      // As the admin does after a change: the cached choices go.
      await web.get(EventsCache).invalidateCategories();
    }, 120_000);
    afterAll(async () => {
      await chromium?.close();
      await web?.close();
      await rm(mediaRoot, { recursive: true, force: true });
    });

    async function shoot(page: Page, name: string): Promise<void> {
      if (!SCREENSHOT_DIR) return;
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-390.png`), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
    }

    it('an organizer in Tokyo publishes a New York event with a cover and Markdown; visitors see it in their zone', async () => {
      const { email } = await createUser();
      const context = await chromium.newContext({
        timezoneId: 'Asia/Tokyo',
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      const scriptsRan: string[] = [];
      page.on('dialog', (dialog) => {
        scriptsRan.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(`${base}/accounts/login`);
      await page.fill('#email', email);
      await page.fill('#password', STRONG_PASSWORD);
      await page.click('form[action="/accounts/login"] button[type=submit]');
      await page.waitForURL(`${base}/`);

      await page.goto(`${base}/events/new`);
      const title = `Strategy games night ${Date.now()}`;
      await page.fill('input[name=title]', title);
      await page.fill(
        'textarea[name=description]',
        '**Bring** your favourite game.\n\n- snacks\n- dice\n\nRules: https://example.com/rules\n\n<script>alert("xss")</script> [bad](javascript:alert(1))',
      );
      await page.fill('input[name=location]', 'Brooklyn Public Library');
      await page.selectOption('select[name=categoryId]', String(category.id));
      await page.selectOption('select[name=timeZone]', 'America/New_York');
      await page.fill('input[name=startsAt]', '2031-06-14T19:00');
      await page.fill('input[name=endsAt]', '2031-06-14T22:00');
      // First a text file named like a photo: refused at the field.
      await page.setInputFiles('input[name=coverImage]', {
        name: 'cover.jpg',
        mimeType: 'image/jpeg',
        buffer: Buffer.from('not an image at all'),
      });
      await page.click('form[action="/events/new"] button[value=published]');
      await page.locator('#coverImage-error').waitFor();
      await shoot(page, 'event-form-error');
      expect(await page.locator('#coverImage-error').textContent()).toContain(
        'Choose a JPEG, PNG or WebP image',
      );
      expect(await page.inputValue('input[name=title]')).toBe(title);

      const photo = await sharp({
        create: { width: 1800, height: 1200, channels: 3, background: { r: 34, g: 110, b: 90 } },
      })
        .composite([
          {
            input: Buffer.from(
              '<svg width="1800" height="1200"><circle cx="900" cy="600" r="420" fill="#f4c542"/><rect x="300" y="250" width="300" height="300" fill="#c0392b"/></svg>',
            ),
          },
        ])
        .jpeg()
        .toBuffer();
      await page.setInputFiles('input[name=coverImage]', {
        name: 'games.jpg',
        mimeType: 'image/jpeg',
        buffer: photo,
      });
      await page.click('form[action="/events/new"] button[value=published]');
      await page.waitForURL(/\/events\/\d+$/);
      const eventUrl = page.url();

      const banner = page.locator('img.cover-banner');
      await banner.waitFor();
      await page.waitForFunction(loaded('img.cover-banner'));
      expect(
        await banner.evaluate((img) => [
          (img as unknown as Picture).naturalWidth,
          (img as unknown as Picture).naturalHeight,
        ]),
      ).toEqual([1200, 600]);
      // Markdown rendered; the script is shown as text and never runs; links are marked.
      expect(await page.locator('.event-description strong').textContent()).toBe('Bring');
      expect(await page.locator('.event-description li').allTextContents()).toEqual(['snacks', 'dice']);
      const link = page.locator('.event-description a[href="https://example.com/rules"]');
      expect(await link.getAttribute('rel')).toBe('noopener nofollow ugc');
      expect(await page.locator('.event-description').textContent()).toContain(
        '<script>alert("xss")</script>',
      );
      expect(await page.locator('.event-description a[href^="javascript"]').count()).toBe(0);
      expect(await page.locator(`.badge:has-text("${category.name}")`).count()).toBe(1);
      // The event's own time, its zone once, and the organizer's (Tokyo) time beside it.
      expect(await page.locator('.event-when time').textContent()).toMatch(
        /^Sat, 14 Jun 2031, 19:00–22:00 (EDT|GMT-4)$/,
      );
      expect(await page.getByTestId('local-time').textContent()).toMatch(
        /^Your time: Sun 15 Jun, 08:00\s*[–-]\s*11:00 (GMT\+9|JST)$/,
      );
      await shoot(page, 'event-page');
      expect(scriptsRan).toEqual([]);

      // A visitor in New York sees no second time: it would say the same.
      const newYorker = await chromium.newContext({ timezoneId: 'America/New_York' });
      const visitor = await newYorker.newPage();
      await visitor.goto(eventUrl);
      await visitor.locator('.event-when time').waitFor();
      await visitor.waitForLoadState('load');
      expect(await visitor.getByTestId('local-time').count()).toBe(0);

      // The list: its thumbnail, the category filter chosen in the form.
      await page.goto(`${base}/events`);
      await page.selectOption('select[name=category]', category.slug);
      await page.click('form.event-filters button[type=submit]');
      await page.waitForURL(new RegExp(`category=${category.slug}`));
      const card = page.locator('article.event-card', { hasText: title });
      await card.waitFor();
      expect(await page.locator('article.event-card').count()).toBe(1);
      await page.waitForFunction(loaded('img.cover-thumb'));
      expect(
        await card.locator('img.cover-thumb').evaluate((img) => (img as unknown as Picture).naturalWidth),
      ).toBe(480);
      expect(await card.getByTestId('local-time').textContent()).toMatch(/^Your time: Sun 15 Jun, 08:00/);
      await shoot(page, 'event-list-filtered');
      await page.goto(`${base}/events?when=past`);
      await page.getByRole('heading', { name: 'Past events' }).waitFor();
      await shoot(page, 'event-list-past');
      await newYorker.close();
      await context.close();
    }, 180_000);
  },
);
