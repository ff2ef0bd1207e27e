import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { hash } from '@node-rs/argon2';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql, uniqueEmail } from '../accounts/support';
import { describeInBrowser, launchChromium } from '../support/browser';
import { freePort } from '../support/processes';
import { startWebApp } from '../support/web-app';

const PASSWORD = 'pages at every width 2026';
// The Nu Html Checker, as the vnu-jar package ships it (run on the system's Java, nothing downloaded).
const VNU_JAR = require.resolve('vnu-jar/build/dist/vnu.jar');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
// Set SCREENSHOT_DIR to keep a desktop and a 390 px picture of every page checked.
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

type Role = 'anonymous' | 'member' | 'staff';

interface Visit {
  role: Role;
  path: string;
  /** The HTML as served (what the Nu Html Checker reads). */
  html: string;
}

/**
 * Every main page, as the three kinds of visitor see them, in Chromium: no sideways scroll at
 * 390 px, no failed request (favicon…), no critical or serious axe-core violation, and HTML
 * without Nu Html Checker (vnu.jar on the system Java) errors.
 */
describeInBrowser('main pages in Chromium: phones, navigation, accessibility, valid HTML', () => {
  let app: NestExpressApplication;
  let base: string;
  let chromium: Browser;
  const visits: Visit[] = [];
  let eventId: number;
  let pages: Record<Role, string[]>;
  const contexts: Partial<Record<Role, Record<'phone' | 'desktop', BrowserContext>>> = {};

  async function user(options: {
    staff?: boolean;
    name: string;
    language?: string;
  }): Promise<{ id: number; email: string }> {
    const email = uniqueEmail(options.name.split(' ')[0].toLowerCase());
    const [row] = await sql<{ id: number }>(
      `INSERT INTO users (email, display_name, password_hash, email_verified_at, is_staff, is_superuser, language, updated_at)
       VALUES ($1, $2, $3, now(), $4, $4, $5, now()) RETURNING id`,
      [email, options.name, await hash(PASSWORD), options.staff === true, options.language ?? null],
    );
    return { id: row.id, email };
  }

  async function signedIn(email: string | undefined, viewport: typeof PHONE): Promise<BrowserContext> {
    const context = await chromium.newContext({ viewport });
    if (!email) return context;
    const page = await context.newPage();
    await page.goto(`${base}/accounts/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('form[action="/accounts/login"] button[type=submit]');
    await page.waitForURL(`${base}/`);
    await page.close();
    return context;
  }

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await startWebApp({ APP_URL: base }, { port });
    chromium = await launchChromium();
    if (SCREENSHOT_DIR) mkdirSync(SCREENSHOT_DIR, { recursive: true });

    // Each role reads the site in another language (its profile's), so the checks below also find
    // what a translation breaks: longer words widening a phone's page, markup in a catalogue.
    const member = await user({ name: 'Mia Member', language: 'uk' });
    const staff = await user({ name: 'Sam Staff', staff: true, language: 'ru' });
    const guests = [await user({ name: 'Gus Guest' }), await user({ name: 'Gwen Guest' })];
    const startsAt = new Date(Date.now() + 10 * 86_400_000);
    const [event] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, description, location, starts_at, ends_at, capacity, going_count, updated_at)
       VALUES ($1, 'Board games night at the library', $2, 'The Library, room 2', $3, $4, 12, 2, now()) RETURNING id`,
      [
        member.id,
        'Bring a game. Rules and the list: https://example.com/board-games-night-2026-with-a-very-long-address',
        startsAt,
        new Date(startsAt.getTime() + 3 * 3600_000),
      ],
    );
    eventId = event.id;
    for (const guest of guests) {
      await sql(`INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now())`, [
        eventId,
        guest.id,
      ]);
    }

    pages = {
      anonymous: [
        '/',
        `/events/${eventId}`,
        '/events?q=board',
        '/accounts/login',
        '/accounts/signup',
        '/accounts/password-reset',
        '/api/docs',
      ],
      member: [
        '/',
        `/events/${eventId}`,
        '/events/new',
        `/events/${eventId}/edit`,
        `/events/${eventId}/attendees`,
        '/my/events',
        '/my/rsvps',
        '/accounts/profile',
      ],
      staff: [
        '/admin',
        '/admin/event',
        `/admin/event/${eventId}/change`,
        `/admin/event/${eventId}/history`,
        '/admin/user',
        '/admin/user/add',
        '/admin/rsvp',
      ],
    };
    for (const [role, email] of [
      ['anonymous', undefined],
      ['member', member.email],
      ['staff', staff.email],
    ] as const) {
      contexts[role] = {
        phone: await signedIn(email, PHONE),
        desktop: await signedIn(email, DESKTOP),
      };
    }
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await app?.close();
  });

  /** Opens `path` and fails on any request of the page that was not answered with success. */
  async function open(context: BrowserContext, path: string): Promise<{ page: Page; html: string }> {
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    const response = await page.goto(`${base}${path}`);
    await page.waitForLoadState('load');
    expect({ path, status: response?.status(), failed }).toEqual({ path, status: 200, failed: [] });
    return { page, html: (await response?.text()) ?? '' };
  }

  const shot = async (page: Page, role: Role, path: string, size: string) => {
    if (!SCREENSHOT_DIR) return;
    const name = `${role}${path.replace(/\W+/g, '_')}-${size}.png`;
    await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true });
  };

  /**
   * Each page of `role` at 390 px (no sideways scroll: tables scroll in their own container), then
   * axe-core on it; its HTML is kept for the Nu Html Checker below.
   */
  async function checkPages(role: Role): Promise<{ tooWide: string[]; violations: string[] }> {
    const tooWide: string[] = [];
    const violations: string[] = [];
    for (const path of pages[role]) {
      const { page, html } = await open(contexts[role]!.phone, path);
      // Swagger UI renders the operations after the load event.
      if (path.startsWith('/api/docs')) await page.waitForSelector('.opblock-summary-control');
      // /api/docs is Swagger UI's page as @nestjs/swagger writes it (a <style> after the scripts in
      // <body>): ours to make accessible (theme, labels), not to rewrite.
      if (!path.startsWith('/api/docs')) visits.push({ role, path, html });
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      if (width > PHONE.width) tooWide.push(`${path}: ${width} px`);
      await shot(page, role, path, '390');
      const results = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze();
      for (const violation of results.violations) {
        if (violation.impact !== 'critical' && violation.impact !== 'serious') continue;
        const where = violation.nodes.map((node) => node.target.join(' ')).slice(0, 3);
        violations.push(`${path}: ${violation.id} (${violation.impact}) at ${where.join(', ')}`);
      }
      await page.close();
      if (SCREENSHOT_DIR) {
        const desktop = await open(contexts[role]!.desktop, path);
        await shot(desktop.page, role, path, 'desktop');
        await desktop.page.close();
      }
    }
    return { tooWide, violations };
  }

  for (const role of ['anonymous', 'member', 'staff'] as const) {
    it(`${role}: at 390 px no page scrolls sideways; axe-core finds no critical or serious violation`, async () => {
      expect(await checkPages(role)).toEqual({ tooWide: [], violations: [] });
    }, 240_000);
  }

  it('the navigation offers "New event" to verified members and "Admin" to staff, in their languages', async () => {
    const links = async (role: Role) => {
      const { page } = await open(contexts[role]!.desktop, '/');
      const names = await page.locator('header nav a').allInnerTexts();
      await page.close();
      return names.map((name) => name.trim());
    };
    expect(await links('anonymous')).toEqual(['Event Planner', 'Events', 'Log in', 'Sign up']);
    expect(await links('member')).toEqual([
      'Event Planner',
      'Події',
      'Нова подія',
      'Мої події',
      'Мої відповіді',
      'Mia Member',
    ]);
    expect(await links('staff')).toEqual(
      expect.arrayContaining(['Новое событие', 'Администрирование', 'Sam Staff']),
    );
    expect(await links('member')).not.toContain('Адміністрування');
  });

  it('the HTML of every page passes the Nu Html Checker without errors', async () => {
    expect(visits.length).toBeGreaterThan(10);
    const dir = mkdtempSync(join(tmpdir(), 'vnu-'));
    try {
      const files = visits.map((visit, index) => {
        const file = join(dir, `${index}-${visit.role}${visit.path.replace(/\W+/g, '_')}.html`);
        writeFileSync(file, visit.html);
        return file;
      });
      const messages = await nuHtmlErrors(files);
      expect(messages).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** Errors of the Nu Html Checker (vnu.jar, run on the system's Java), as "file:line: message". */
async function nuHtmlErrors(files: string[]): Promise<string[]> {
  const run = promisify(execFile);
  let output: string;
  try {
    ({ stderr: output } = await run(
      'java',
      ['-jar', VNU_JAR, '--errors-only', '--format', 'json', ...files],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    ));
  } catch (error) {
    // vnu exits 1 when it found errors; its report is on stderr all the same.
    output = (error as { stderr?: string }).stderr ?? '';
    if (!output) throw error;
  }
  const report = JSON.parse(output) as {
    messages: { type: string; url?: string; lastLine?: number; message: string; extract?: string }[];
  };
  return report.messages
    .filter((message) => message.type === 'error' || message.type === 'non-document-error')
    .map(
      (message) =>
        `${(message.url ?? '').split('/').pop()}:${message.lastLine ?? '?'}: ${message.message} [${(message.extract ?? '').trim()}]`,
    );
}
