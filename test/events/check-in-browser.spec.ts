import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sql, STRONG_PASSWORD, uniqueEmail } from '../accounts/support';
import { createUser } from '../admin/support';
import { describeInBrowser, launchChromium, startLiveApp, type LiveApp } from '../support/browser';
import { TicketSigner } from '../../src/events/tickets';

// Set SCREENSHOT_DIR to keep a desktop and a 390 px wide picture of every page this walks through.
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

describeInBrowser('the check-in page in Chromium: one click, live counts on a second phone, tickets', () => {
  let app: LiveApp;
  let chromium: Browser;
  let signer: TicketSigner;
  let eventId: number;
  let otherEventId: number;
  let organizerEmail: string;
  const guests: Record<string, { email: string; rsvpId: number }> = {};

  async function person(name: string): Promise<{ id: number; email: string }> {
    const email = uniqueEmail(name.split(' ')[0].toLowerCase());
    const user = await createUser({ email });
    await sql('UPDATE users SET display_name = $1 WHERE id = $2', [name, user.id]);
    return { id: user.id, email };
  }

  async function event(organizerId: number, title: string, going: Array<{ id: number }>): Promise<number> {
    const [row] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, description, location, starts_at, ends_at, time_zone, capacity, going_count, updated_at)
       VALUES ($1, $2, 'Bring a mug.', 'Old Mill, Hall B', now() + interval '2 days', now() + interval '2 days 3 hours',
               'Europe/Paris', 40, $3, now()) RETURNING id`,
      [organizerId, title, going.length],
    );
    for (const user of going) {
      await sql(`INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now())`, [
        row.id,
        user.id,
      ]);
    }
    return row.id;
  }

  async function rsvpOf(eventOf: number, userId: number): Promise<number> {
    const [row] = await sql<{ id: number }>('SELECT id FROM rsvps WHERE event_id = $1 AND user_id = $2', [
      eventOf,
      userId,
    ]);
    return row.id;
  }

  async function shoot(page: Page, name: string): Promise<void> {
    if (!SCREENSHOT_DIR) return;
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage: true });
    const desktop = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-390.png`), fullPage: true });
    await page.setViewportSize(desktop);
  }

  async function signedIn(email: string, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const context = await chromium.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const page = await context.newPage();
    await page.goto(`${app.base}/accounts/login`);
    await page.fill('#email', email);
    await page.fill('#password', STRONG_PASSWORD);
    await page.click('form[action="/accounts/login"] button[type=submit]');
    await page.waitForURL(`${app.base}/`);
    return page;
  }

  const row = (page: Page, name: string) => page.locator('tr', { hasText: name });

  beforeAll(async () => {
    app = await startLiveApp();
    signer = app.web.get(TicketSigner);
    chromium = await launchChromium();
    if (SCREENSHOT_DIR) mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const organizer = await person('Olivia Organizer');
    organizerEmail = organizer.email;
    const people = [];
    for (const name of ['Alice Ashdown', 'Bob Birch', 'Carla Cole', 'Dmitri Dale']) {
      const user = await person(name);
      people.push(user);
      guests[name] = { email: user.email, rsvpId: 0 };
    }
    eventId = await event(organizer.id, 'Repair café', people);
    for (const [index, name] of Object.keys(guests).entries()) {
      guests[name].rsvpId = await rsvpOf(eventId, people[index].id);
    }
    const stranger = await person('Sven Stranger');
    otherEventId = await event(organizer.id, 'Bike workshop', [stranger]);
    guests['Sven Stranger'] = { email: stranger.email, rsvpId: await rsvpOf(otherEventId, stranger.id) };
  }, 150_000);
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
  });

  it('checks in with one click, in place; a second phone sees the count and the row change live', async () => {
    const door = await signedIn(organizerEmail);
    const errors: string[] = [];
    door.on('pageerror', (error) => errors.push(error.message));
    door.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await door.goto(`${app.base}/events/${eventId}`);
    await door.getByRole('link', { name: 'Check-in' }).click();
    await door.getByRole('heading', { name: 'Check-in' }).waitFor();
    await shoot(door, '01-check-in-list');
    const secondPhone = await signedIn(organizerEmail);
    await secondPhone.goto(`${app.base}/events/${eventId}/check-in`);
    // The second page's live stream is open once its first message (the counts) has arrived.
    await secondPhone.locator('#check-in[data-live-state="open"]').waitFor();

    // A marker that a reload would wipe: the click must update the page where it is.
    await door.evaluate('window.stayed = true');
    await door.getByRole('button', { name: 'Check in Bob Birch' }).click();
    await row(door, 'Bob Birch').getByText('In', { exact: true }).waitFor();
    await door.getByTestId('checked-in-count').filter({ hasText: '1' }).waitFor();
    expect(await door.evaluate('window.stayed')).toBe(true);
    expect(
      await row(door, 'Bob Birch').getByRole('button', { name: 'Undo check-in of Bob Birch' }).isVisible(),
    ).toBe(true);
    // Focus moves to the Undo button, for a quick correction.
    expect(await door.evaluate('document.activeElement.textContent.trim()')).toBe('Undo');

    await secondPhone.getByTestId('checked-in-count').filter({ hasText: '1' }).waitFor();
    await row(secondPhone, 'Bob Birch').getByRole('button', { name: 'Undo check-in of Bob Birch' }).waitFor();
    expect(await secondPhone.locator('#door-progress').getAttribute('value')).toBe('1');
    await shoot(door, '02-check-in-one-in');

    // Undo, also in place.
    await row(door, 'Bob Birch').getByRole('button', { name: 'Undo check-in of Bob Birch' }).click();
    await door.getByTestId('checked-in-count').filter({ hasText: '0' }).waitFor();
    await secondPhone.getByTestId('checked-in-count').filter({ hasText: '0' }).waitFor();
    expect(errors).toEqual([]);
    await door.context().close();
    await secondPhone.context().close();
  });

  it('searches, and works without JavaScript (the form posts and the page comes back)', async () => {
    const page = await signedIn(organizerEmail, { javaScriptEnabled: false });
    await page.goto(`${app.base}/events/${eventId}/check-in`);
    await page.getByRole('searchbox', { name: 'Search attendees' }).fill('carla');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=carla/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Check in Carla Cole' }).click();
    await page.getByText('Carla Cole is checked in.').waitFor();
    expect(page.url()).toContain('q=carla');
    expect(await page.getByTestId('checked-in-count').textContent()).toBe('1');
    await shoot(page, '03-check-in-search-no-js');
    await page.context().close();
  });

  it('a scanned ticket checks its holder in and says who; another event’s ticket is refused in red', async () => {
    const page = await signedIn(organizerEmail);
    await page.goto(`${app.base}${signer.path(eventId, guests['Alice Ashdown'].rsvpId)}`);
    await page.getByText('Checked in', { exact: true }).waitFor();
    expect(await page.getByTestId('ticket-holder').textContent()).toBe('Alice Ashdown');
    await shoot(page, '04-ticket-checked-in');

    await page.goto(`${app.base}/events/${eventId}/check-in`);
    await page.fill('#ticket', `${app.base}${signer.path(otherEventId, guests['Sven Stranger'].rsvpId)}`);
    await page.getByRole('button', { name: 'Check in ticket' }).click();
    await page.getByText('Not checked in').waitFor();
    expect(await page.getByTestId('refusal').textContent()).toContain(
      'This ticket is for another event: “Bike workshop”',
    );
    const background = await page.evaluate(
      "getComputedStyle(document.querySelector('.door-verdict-refused')).backgroundColor",
    );
    expect(background).toBe('rgb(179, 38, 30)');
    await shoot(page, '05-ticket-other-event');
    await page.context().close();
  });

  it('the attendee sees their ticket (a QR code) on the event page; the organizer’s tools page', async () => {
    const guest = await signedIn(guests['Dmitri Dale'].email);
    await guest.goto(`${app.base}/events/${eventId}`);
    await guest.getByRole('heading', { name: 'Your ticket' }).waitFor();
    const qr = guest.locator('.ticket-qr svg');
    const box = await qr.boundingBox();
    expect(box!.width).toBeGreaterThan(150);
    await shoot(guest, '06-event-page-ticket');
    await guest.context().close();

    const organizer = await signedIn(organizerEmail);
    await organizer.goto(`${app.base}/events/${eventId}/attendees`);
    await organizer.getByRole('heading', { name: 'Co-hosts' }).waitFor();
    await shoot(organizer, '07-attendees-tools');
    await organizer.context().close();
  });
});
