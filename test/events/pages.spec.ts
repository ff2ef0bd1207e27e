import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import {
  browser,
  csrfFrom,
  expectStatus,
  logIn,
  signUpVerified,
  sql,
  STRONG_PASSWORD,
  submit,
  uniqueEmail,
  type Agent,
} from '../accounts/support';
import { eventually } from '../support/eventually';
import { startWebApp } from '../support/web-app';
import { countQueries } from './query-counter';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

function eventForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    title: 'Board games night',
    description: 'Bring your favourite game.',
    location: 'The Library, room 2',
    startsAt: inDays(10),
    endsAt: inDays(10.2),
    capacity: '2',
    ...overrides,
  };
}

async function createEvent(agent: Agent, overrides: Record<string, string> = {}): Promise<number> {
  const response = expectStatus(await submit(agent, '/events/new', eventForm(overrides)), 303);
  const match = /^\/events\/(\d+)$/.exec(response.headers.location);
  if (!match) throw new Error(`unexpected redirect ${response.headers.location}`);
  return Number(match[1]);
}

async function signUpAndLogIn(agent: Agent, prefix: string): Promise<string> {
  const email = await signUpVerified(agent, uniqueEmail(prefix));
  expectStatus(await logIn(agent, email), 303);
  return email;
}

describe('events pages (real PostgreSQL, Redis, sessions)', () => {
  let app: NestExpressApplication;
  let organizer: Agent;
  let organizerEmail: string;
  let guest: Agent;
  let guestEmail: string;

  beforeAll(async () => {
    app = await startWebApp();
    organizer = browser(app);
    organizerEmail = await signUpAndLogIn(organizer, 'organizer');
    guest = browser(app);
    guestEmail = await signUpAndLogIn(guest, 'guest');
  });
  afterAll(async () => {
    await app.close();
  });

  it('the home page lists upcoming events, paginated and searchable', async () => {
    const id = await createEvent(organizer, { title: 'Orchid growing workshop', location: 'Greenhouse' });
    const home = await request(app.getHttpServer()).get('/').expect(200);
    expect(home.text).toContain('Upcoming events');
    expect(home.text).toContain(`href="/events/${id}"`);
    const found = await request(app.getHttpServer()).get('/events?q=orchids').expect(200);
    expect(found.text).toContain('Orchid growing workshop');
    const none = await request(app.getHttpServer()).get('/events?q=zebrafish').expect(200);
    expect(none.text).toContain('No upcoming events match');
    // One page of results: no lone "Page 1"; beyond the last page, the way back.
    expect(found.text).not.toContain('aria-label="Pagination"');
    expect(found.text).not.toContain('Page 1');
    const beyond = await request(app.getHttpServer()).get('/events?page=999').expect(200);
    expect(beyond.text).toContain('rel="prev"');
    expect(beyond.text).toContain('Page 999');
    // A description for search results and link previews, and an icon for the tab.
    expect(home.text).toMatch(/<meta name="description" content="Event Planner: find upcoming events[^"]*">/);
    expect(home.text).toContain('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">');
    const event = await request(app.getHttpServer()).get(`/events/${id}`).expect(200);
    expect(event.text).toContain('<meta name="description" content="Bring your favourite game.">');
    const ico = await request(app.getHttpServer()).get('/favicon.ico').expect(301);
    expect(ico.headers.location).toBe('/static/favicon.svg');
    const icon = await request(app.getHttpServer()).get('/static/favicon.svg').expect(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    await request(app.getHttpServer()).get('/events?page=abc&q[]=x').expect(200);
  });

  it('the create form answers bad input with messages at the fields and writes nothing', async () => {
    const before = await sql<{ n: string }>('SELECT count(*)::text AS n FROM events');
    const response = await submit(
      organizer,
      '/events/new',
      eventForm({ title: 'x', startsAt: '2001-01-01T10:00', endsAt: '2000-01-01T10:00', capacity: '0' }),
    );
    expectStatus(response, 400);
    expect(response.text).toContain('Title must be between 3 and 200 characters.');
    expect(response.text).toContain('Capacity must be a whole number');
    const dates = await submit(
      organizer,
      '/events/new',
      eventForm({ startsAt: '2001-01-01T10:00', endsAt: '2000-01-01T10:00' }),
    );
    expectStatus(dates, 400);
    expect(dates.text).toContain('The event must start in the future.');
    expect(dates.text).toContain('The event must end after it starts.');
    const garbage = await submit(organizer, '/events/new', {
      title: 'ok title',
      startsAt: 'soon',
      endsAt: '',
      capacity: 'many',
    });
    expectStatus(garbage, 400);
    expect(garbage.text).toContain('Enter a valid date and time.');
    // Each message once, though several rules of the field fail (integer, at least 1, at most …).
    const occurrences = (text: string, needle: string) => text.split(needle).length - 1;
    expect(occurrences(garbage.text, 'Capacity must be a whole number')).toBe(1);
    const empty = await submit(organizer, '/events/new', { capacity: 'abc' });
    expectStatus(empty, 400);
    expect(occurrences(empty.text, 'Title must be between 3 and 200 characters.')).toBe(1);
    expect(occurrences(empty.text, 'Capacity must be a whole number')).toBe(1);
    expect(await sql<{ n: string }>('SELECT count(*)::text AS n FROM events')).toEqual(before);
  });

  it('takes and shows times in the event’s own time zone (form, page, edit form, e-mails)', async () => {
    const id = await createEvent(organizer, {
      title: 'New York jazz evening',
      timeZone: 'America/New_York',
      startsAt: '2031-01-15T19:00',
      endsAt: '2031-01-15T22:30',
    });
    const [row] = await sql<{ starts_at: Date; ends_at: Date; time_zone: string }>(
      'SELECT starts_at, ends_at, time_zone FROM events WHERE id = $1',
      [id],
    );
    expect(row).toEqual({
      starts_at: new Date('2031-01-16T00:00:00Z'),
      ends_at: new Date('2031-01-16T03:30:00Z'),
      time_zone: 'America/New_York',
    });
    const page = (await request(app.getHttpServer()).get(`/events/${id}`).expect(200)).text;
    expect(page).toMatch(/Wed, 15 Jan 2031, 19:00–22:30 (EST|GMT-5)<\/time>/);
    expect(page).toContain('(America/New_York time)');
    expect(page).toContain('datetime="2031-01-16T00:00:00.000Z"');
    const edit = (await organizer.get(`/events/${id}/edit`).expect(200)).text;
    expect(edit).toContain('value="2031-01-15T19:00"');
    expect(edit).toContain('<option selected>America/New_York</option>');
    expect(edit).not.toContain('data-suggest-browser-zone');
    expect((await organizer.get('/events/new').expect(200)).text).toContain('data-suggest-browser-zone');

    // The confirmation e-mail says the time as the page does.
    const jazzFan = browser(app);
    const jazzFanEmail = await signUpAndLogIn(jazzFan, 'jazz-fan');
    expectStatus(await submit(jazzFan, `/events/${id}`, {}, `/events/${id}/rsvp`), 303);
    const [mail] = await sql<{ context: { event: { startsAt: string } } }>(
      `SELECT context FROM outgoing_emails WHERE template = 'rsvp_confirmation' AND to_address = $1`,
      [jazzFanEmail],
    );
    expect(mail.context.event.startsAt).toMatch(/^Wed, 15 Jan 2031, 19:00 (EST|GMT-5)$/);

    const unknownZone = await submit(organizer, '/events/new', eventForm({ timeZone: 'Mars/Olympus_Mons' }));
    expectStatus(unknownZone, 400);
    expect(unknownZone.text).toContain('Choose a time zone from the list');
  });

  it('an event without a capacity takes everyone and says so', async () => {
    const id = await createEvent(organizer, { title: 'Open-air picnic for all', capacity: '' });
    expect(await sql('SELECT capacity FROM events WHERE id = $1', [id])).toEqual([{ capacity: null }]);
    const picnicker = browser(app);
    await signUpAndLogIn(picnicker, 'picnicker');
    expectStatus(await submit(picnicker, `/events/${id}`, {}, `/events/${id}/rsvp`), 303);
    const page = (await request(app.getHttpServer()).get(`/events/${id}`).expect(200)).text;
    expect(page).toMatch(/data-testid="going-count">1<\/strong> going<\/p>/);
    const mine = (await organizer.get('/my/events').expect(200)).text;
    expect(mine).toContain('1 (no limit)');
    const edit = (await organizer.get(`/events/${id}/edit`).expect(200)).text;
    expect(edit).toContain('name="capacity" value=""');
  });

  it('a draft is seen only by its organizer until published: not listed, no RSVPs, 404 for others', async () => {
    const id = await createEvent(organizer, { title: 'Secret draft supper', status: 'draft' });
    const http = () => request(app.getHttpServer());
    expect((await http().get('/').expect(200)).text).not.toContain('Secret draft supper');
    await http().get(`/events/${id}`).expect(404);
    await http().get(`/events/${id}/calendar.ics`).expect(404);
    await guest.get(`/events/${id}`).expect(404);
    const csrf = csrfFrom((await guest.get('/').expect(200)).text);
    await guest.post(`/events/${id}/rsvp`).type('form').send({ _csrf: csrf }).expect(404);
    await guest.post(`/events/${id}/publish`).type('form').send({ _csrf: csrf }).expect(404);
    expect(await sql('SELECT 1 FROM rsvps WHERE event_id = $1', [id])).toEqual([]);

    const own = (await organizer.get(`/events/${id}`).expect(200)).text;
    expect(own).toContain('<strong>Draft.</strong>');
    expect(own).not.toContain('>RSVP<');
    expect((await organizer.get('/my/events').expect(200)).text).toMatch(
      /Secret draft supper<\/a> <small>\(draft\)/,
    );
    expect((await organizer.get(`/events/${id}/edit`).expect(200)).text).toContain('Save and publish');

    expectStatus(await submit(organizer, `/events/${id}`, {}, `/events/${id}/publish`), 303);
    expect((await http().get('/').expect(200)).text).toContain('Secret draft supper');
    expect((await http().get(`/events/${id}`).expect(200)).text).not.toContain('<strong>Draft.</strong>');
    const diner = browser(app);
    await signUpAndLogIn(diner, 'diner');
    expectStatus(await submit(diner, `/events/${id}`, {}, `/events/${id}/rsvp`), 303);
  });

  it('a draft whose start has passed cannot be published (the message says why)', async () => {
    const id = await createEvent(organizer, { title: 'Forgotten draft', status: 'draft' });
    await sql(`UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = $1`, [id]);
    const published = await submit(organizer, `/events/${id}`, {}, `/events/${id}/publish`);
    expectStatus(published, 303);
    expect(published.headers.location).toBe(`/events/${id}/edit`);
    expect((await organizer.get(`/events/${id}/edit`).expect(200)).text).toContain(
      'The event must start in the future.',
    );
    expect(await sql('SELECT status FROM events WHERE id = $1', [id])).toEqual([{ status: 'draft' }]);
  });

  it('only verified users create events; anonymous visitors are sent to log in', async () => {
    const anonymous = await request(app.getHttpServer()).get('/events/new').expect(303);
    expect(anonymous.headers.location).toBe('/accounts/login?next=%2Fevents%2Fnew');
    const unverified = browser(app);
    const email = uniqueEmail('unverified');
    expectStatus(
      await submit(unverified, '/accounts/signup', {
        email,
        displayName: 'Not Yet',
        password: STRONG_PASSWORD,
        password2: STRONG_PASSWORD,
      }),
      200,
    );
    expectStatus(await logIn(unverified, email), 303);
    await unverified.get('/events/new').expect(403);
  });

  it('shows HTML in titles and descriptions escaped', async () => {
    const id = await createEvent(organizer, {
      title: '<script>alert("t")</script>',
      description: '<img src=x onerror=alert(1)>',
      location: '<b>bold</b>',
    });
    for (const path of [`/events/${id}`, '/', '/my/events']) {
      const agent = path === '/my/events' ? organizer : request(app.getHttpServer());
      const page = await agent.get(path).expect(200);
      expect(page.text).not.toContain('<script>alert');
      expect(page.text).not.toContain('<img src=x');
      if (path !== '/my/events') expect(page.text).toContain('&lt;script&gt;alert');
    }
  });

  it('RSVP, waitlist, cancel and promotion through the pages', async () => {
    const id = await createEvent(organizer, { capacity: '1' });
    const page = await guest.get(`/events/${id}`).expect(200);
    expect(page.text).toContain('0</strong> going of 1');
    expectStatus(
      await guest
        .post(`/events/${id}/rsvp`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) }),
      303,
    );
    const after = await guest.get(`/events/${id}`).expect(200);
    expect(after.text).toContain('You are going.');
    expect(after.text).toContain('1</strong> going of 1');
    const confirmation = await sql('SELECT 1 FROM outgoing_emails WHERE to_address = $1 AND template = $2', [
      guestEmail,
      'rsvp_confirmation',
    ]);
    expect(confirmation).toHaveLength(1);

    const third = browser(app);
    const thirdEmail = await signUpAndLogIn(third, 'third');
    expectStatus(await submit(third, `/events/${id}`, {}, `/events/${id}/rsvp`), 303);
    expect((await third.get(`/events/${id}`)).text).toContain('You are on the waitlist.');

    expectStatus(await submit(guest, `/events/${id}`, {}, `/events/${id}/rsvp/cancel`), 303);
    expect((await third.get(`/events/${id}`)).text).toContain('You are going.');
    const promoted = await sql('SELECT 1 FROM outgoing_emails WHERE to_address = $1 AND template = $2', [
      thirdEmail,
      'event_promoted',
    ]);
    expect(promoted).toHaveLength(1);
    expect((await third.get('/my/rsvps').expect(200)).text).toContain(`/events/${id}`);
  });

  it('nobody but the organizer edits, cancels, exports or e-mails attendees (403), and bad ids are 404', async () => {
    const id = await createEvent(organizer);
    await guest.get(`/events/${id}/edit`).expect(403);
    await guest.get(`/events/${id}/attendees`).expect(403);
    await guest.get(`/events/${id}/cancel`).expect(403);
    const csrf = csrfFrom((await guest.get(`/events/${id}`)).text);
    for (const action of ['edit', 'cancel', 'export', 'email']) {
      await guest
        .post(`/events/${id}/${action}`)
        .type('form')
        .send({ _csrf: csrf, ...eventForm(), subject: 'Hi there', message: 'spam' })
        .expect(403);
    }
    expect(await sql('SELECT 1 FROM tasks WHERE event_id = $1', [id])).toHaveLength(0);
    for (const path of [
      '/events/abc',
      '/events/0',
      '/events/99999999999',
      '/events/1.5',
      '/events/2147483647',
    ]) {
      await request(app.getHttpServer()).get(path).set('Accept', 'text/html').expect(404);
    }
    await guest.get('/tasks/not-a-uuid').expect(404);
    await guest.get('/tasks/00000000-0000-0000-0000-000000000000').expect(404);
  });

  it('the organizer edits (field errors at the fields) and cancels; attendees are e-mailed', async () => {
    const id = await createEvent(organizer, { capacity: '5' });
    expectStatus(await submit(guest, `/events/${id}`, {}, `/events/${id}/rsvp`), 303);
    const bad = await submit(
      organizer,
      `/events/${id}/edit`,
      eventForm({ capacity: '0', endsAt: inDays(9) }),
    );
    expectStatus(bad, 400);
    expect(bad.text).toContain('Capacity must be a whole number');
    const changed = await submit(
      organizer,
      `/events/${id}/edit`,
      eventForm({ location: 'New place', capacity: '5' }),
    );
    expectStatus(changed, 303);
    expect((await request(app.getHttpServer()).get(`/events/${id}`)).text).toContain('New place');
    expect(
      await sql('SELECT 1 FROM outgoing_emails WHERE to_address = $1 AND template = $2', [
        guestEmail,
        'event_changed',
      ]),
    ).toHaveLength(1);
    expectStatus(await submit(organizer, `/events/${id}/cancel`, {}), 303);
    expect((await request(app.getHttpServer()).get(`/events/${id}`)).text).toContain(
      'This event has been cancelled.',
    );
    expect(
      await sql('SELECT 1 FROM outgoing_emails WHERE to_address = $1 AND template = $2', [
        guestEmail,
        'event_cancelled',
      ]),
    ).toHaveLength(1);
    expect((await organizer.get(`/events/${id}/attendees`).expect(200)).text).toContain(guestEmail);
    expect(organizerEmail).toContain('@');
  });

  it('serves a cached event page and list page with 0 SQL queries; a change shows on the next request', async () => {
    const id = await createEvent(organizer, { capacity: '3', title: 'Cache me if you can' });
    const http = () => request(app.getHttpServer());
    await http().get(`/events/${id}`).expect(200);
    await http().get('/').expect(200);
    const cachedEvent = await countQueries(() => http().get(`/events/${id}`).expect(200));
    expect(cachedEvent.queries).toEqual([]);
    const cachedList = await countQueries(() => http().get('/').expect(200));
    expect(cachedList.queries).toEqual([]);
    expect(cachedEvent.result.text).toContain('0</strong> going of 3');
    expect(cachedEvent.result.headers['x-page-cache']).toBe('hit');
    // The counter does see queries: a search is never cached.
    const search = await countQueries(() => http().get('/events?q=cache').expect(200));
    expect(search.queries.length).toBeGreaterThan(0);
    // Signed in, the page data still comes from Redis: only the visitor's own session/RSVP rows are read.
    await guest.get(`/events/${id}`).expect(200);
    const signedIn = await countQueries(() => guest.get(`/events/${id}`).expect(200));
    expect(signedIn.queries.filter((sql) => /\bevents\b/.test(sql) && !/rsvps/.test(sql))).toEqual([]);

    expectStatus(await submit(guest, `/events/${id}`, {}, `/events/${id}/rsvp`), 303);
    expect((await http().get(`/events/${id}`)).text).toContain('1</strong> going of 3');
    expectStatus(
      await submit(
        organizer,
        `/events/${id}/edit`,
        eventForm({ title: 'Renamed and visible', capacity: '3' }),
      ),
      303,
    );
    expect((await http().get(`/events/${id}`)).text).toContain('Renamed and visible');
    expect((await http().get('/')).text).toContain('Renamed and visible');
  });

  it('a cached page expires when its event starts: no RSVP button served from cache after the start', async () => {
    const [{ id }] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       SELECT id, 'Starting any second', now() + interval '1500 milliseconds', now() + interval '1 hour', 5, now()
       FROM users ORDER BY id LIMIT 1 RETURNING id`,
    );
    const http = () => request(app.getHttpServer());
    await http().get(`/events/${id}`).expect(200);
    const before = await http().get(`/events/${id}`).expect(200);
    expect(before.headers['x-page-cache']).toBe('hit');
    expect(before.text).toContain('Log in to RSVP');
    // Until the start has passed (by the database's clock, which set it).
    await eventually(async () => {
      const [{ started }] = await sql<{ started: boolean }>(
        'SELECT starts_at <= now() AS started FROM events WHERE id = $1',
        [id],
      );
      expect(started).toBe(true);
    });
    // Well within the usual cache TTL (60 s), yet the page is rendered afresh.
    const after = await http().get(`/events/${id}`).expect(200);
    expect(after.headers['x-page-cache']).toBeUndefined();
    expect(after.text).toContain('RSVPs are closed');
    expect(after.text).not.toContain('Log in to RSVP');
  });

  it('closes RSVPs once an event has started (400 with a message, no half-written RSVP)', async () => {
    const [{ id }] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       SELECT id, 'Already running', now() - interval '1 hour', now() + interval '1 hour', 5, now()
       FROM users ORDER BY id LIMIT 1 RETURNING id`,
    );
    const page = await guest.get(`/events/${id}`).expect(200);
    expect(page.text).toContain('RSVPs are closed');
    const response = await guest
      .post(`/events/${id}/rsvp`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expectStatus(response, 400);
    expect(response.text).toContain('This event has already started.');
    expect(await sql('SELECT 1 FROM rsvps WHERE event_id = $1', [id])).toHaveLength(0);
  });

  it('redirects anonymous visitors from personal pages to log in', async () => {
    for (const path of ['/my/events', '/my/rsvps']) {
      const response = await request(app.getHttpServer()).get(path).expect(303);
      expect(response.headers.location).toBe(`/accounts/login?next=${encodeURIComponent(path)}`);
    }
    const fresh = browser(app);
    await signUpAndLogIn(fresh, 'plain');
    expect((await fresh.get('/my/events').expect(200)).text).toContain('not organized any events');
  });
});
