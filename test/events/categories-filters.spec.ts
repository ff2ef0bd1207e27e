import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { thisWeekend } from '../../src/events/event-list-filters';
import { csrfFrom, expectStatus, sql, submit, type Agent } from '../accounts/support';
import { loggedIn, type TestUser } from '../admin/support';
import { startWebApp } from '../support/web-app';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
const unique = () => `${Date.now()}${Math.floor(Math.random() * 1000)}`;

/** An event straight in the database (zone and instant exactly as given). */
async function insertEvent(
  organizerId: number,
  title: string,
  startsAt: string,
  options: { timeZone?: string; categoryId?: number | null; status?: string } = {},
): Promise<number> {
  const [row] = await sql<{ id: number }>(
    `INSERT INTO events (organizer_id, title, starts_at, ends_at, time_zone, category_id, status, capacity, updated_at)
     VALUES ($1, $2, $3::timestamptz, $3::timestamptz + interval '2 hours', $4, $5, $6::event_status, 10, now())
     RETURNING id`,
    [
      organizerId,
      title,
      startsAt,
      options.timeZone ?? 'UTC',
      options.categoryId ?? null,
      options.status ?? 'published',
    ],
  );
  return row.id;
}

/** The titles of the events a list page shows, in order. */
const titlesOn = (html: string) =>
  [...html.matchAll(/<a href="\/events\/\d+"><strong>([^<]*)<\/strong>/g)].map((m) => m[1]);

describe('event categories (admin) and the list filters (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  let organizer: Agent;
  let organizerUser: TestUser;
  let music: { id: number; slug: string; name: string };

  const anonymous = (path: string) => request(app.getHttpServer()).get(path);

  async function addCategory(name: string, slug = ''): Promise<request.Response> {
    return submit(admin, '/admin/eventcategory/add', { name, slug, _save: 'Save' });
  }

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
    ({ agent: organizer, user: organizerUser } = await loggedIn(app));
    const name = `Live music ${unique()}`;
    const added = await addCategory(name);
    expectStatus(added, 303);
    const [row] = await sql<{ id: number; slug: string; name: string }>(
      'SELECT id, slug, name FROM event_categories WHERE name = $1',
      [name],
    );
    music = row;
  });
  afterAll(async () => {
    await app.close();
  });

  it('staff add categories in the admin (slug from the name, checked); organizers choose one on the form', async () => {
    expect(music.slug).toMatch(/^live-music-\d+$/);
    const bad = await addCategory(`Bad ${unique()}`, 'Not A Slug!');
    expectStatus(bad, 400);
    expect(bad.text).toContain('Use lower-case letters, digits and single hyphens');
    const duplicate = await addCategory(music.name);
    expectStatus(duplicate, 400);

    const form = (await organizer.get('/events/new').expect(200)).text;
    expect(form).toContain(`<option value="${music.id}">${music.name}</option>`);
    const created = await submit(organizer, '/events/new', {
      title: 'Jazz in the park',
      startsAt: inDays(9),
      endsAt: inDays(9.1),
      categoryId: String(music.id),
    });
    expectStatus(created, 303);
    const id = Number(created.headers.location.split('/').pop());
    const [row] = await sql<{ category_id: number }>('SELECT category_id FROM events WHERE id = $1', [id]);
    expect(row.category_id).toBe(music.id);
    const page = (await anonymous(`/events/${id}`).expect(200)).text;
    // Handlebars escapes "=" in attributes as &#x3D;.
    expect(page).toContain(`<a href="/events?category&#x3D;${music.slug}" class="badge">${music.name}</a>`);
    const edit = (await organizer.get(`/events/${id}/edit`).expect(200)).text;
    expect(edit).toContain(`<option value="${music.id}" selected>${music.name}</option>`);

    // A category that does not exist is a message at the field, and nothing is written.
    const before = await sql<{ n: string }>('SELECT count(*)::text AS n FROM events');
    const missing = await submit(organizer, '/events/new', {
      title: 'Nowhere',
      startsAt: inDays(9),
      endsAt: inDays(9.1),
      categoryId: '999999999',
    });
    expectStatus(missing, 400);
    expect(missing.text).toMatch(
      /id="categoryId-error" class="field-error">Choose a category from the list\./,
    );
    expect(await sql('SELECT count(*)::text AS n FROM events')).toEqual(before);
  });

  it('filters the list by category; an unknown one is said at the filter', async () => {
    const tag = unique();
    await insertEvent(organizerUser.id, `Concert ${tag}`, inDays(4), { categoryId: music.id });
    await insertEvent(organizerUser.id, `Pottery ${tag}`, inDays(4));
    const filtered = titlesOn((await anonymous(`/events?category=${music.slug}&q=${tag}`).expect(200)).text);
    expect(filtered).toEqual([`Concert ${tag}`]);
    const all = titlesOn((await anonymous(`/events?q=${tag}`).expect(200)).text);
    expect(all.sort()).toEqual([`Concert ${tag}`, `Pottery ${tag}`]);
    const unknown = await anonymous('/events?category=no-such-thing').expect(404);
    expect(unknown.text).toContain('id="category-error"');
  });

  it('filters by date range on the event’s own calendar day, and refuses bad dates at the field', async () => {
    const tag = unique();
    // 23:30 on 6 March 2032 in Los Angeles is already 7 March in UTC: it is a 6 March event.
    await insertEvent(organizerUser.id, `LA late ${tag}`, '2032-03-07T07:30:00Z', {
      timeZone: 'America/Los_Angeles',
    });
    // 00:30 on 7 March 2032 in Tokyo is still 6 March in UTC: it is a 7 March event.
    await insertEvent(organizerUser.id, `Tokyo early ${tag}`, '2032-03-06T15:30:00Z', {
      timeZone: 'Asia/Tokyo',
    });
    await insertEvent(organizerUser.id, `Later ${tag}`, '2032-03-20T12:00:00Z');
    const on6th = titlesOn(
      (await anonymous(`/events?q=${tag}&from=2032-03-06&to=2032-03-06`).expect(200)).text,
    );
    expect(on6th).toEqual([`LA late ${tag}`]);
    const on7th = titlesOn(
      (await anonymous(`/events?q=${tag}&from=2032-03-07&to=2032-03-07`).expect(200)).text,
    );
    expect(on7th).toEqual([`Tokyo early ${tag}`]);
    const fromThe7th = titlesOn((await anonymous(`/events?q=${tag}&from=2032-03-07`).expect(200)).text);
    expect(fromThe7th).toEqual([`Tokyo early ${tag}`, `Later ${tag}`]);

    const garbage = await anonymous('/events?from=next-tuesday&to=2032-02-30').expect(400);
    expect(garbage.text).toMatch(/id="from-error" class="field-error">Enter a date as YYYY-MM-DD\./);
    const impossible = await anonymous('/events?to=2032-02-30').expect(400);
    expect(impossible.text).toMatch(/id="to-error" class="field-error">This date does not exist\./);
    const reversed = await anonymous('/events?from=2032-03-10&to=2032-03-01').expect(400);
    expect(reversed.text).toContain('The end date must be on or after the start date.');
    await anonymous('/events?when=tomorrow').expect(400);
    await anonymous('/events?from=2032-01-01&from=2032-01-02').expect(400);
  });

  it('“this weekend” lists the coming Saturday and Sunday (today’s weekend on one)', async () => {
    expect(thisWeekend(new Date('2026-12-02T10:00:00Z'))).toEqual({
      saturday: '2026-12-05',
      sunday: '2026-12-06',
    });
    expect(thisWeekend(new Date('2026-12-05T23:00:00Z'))).toEqual({
      saturday: '2026-12-05',
      sunday: '2026-12-06',
    });
    expect(thisWeekend(new Date('2026-12-06T23:00:00Z'))).toEqual({
      saturday: '2026-12-05',
      sunday: '2026-12-06',
    });
    expect(thisWeekend(new Date('2026-12-07T00:30:00Z'))).toEqual({
      saturday: '2026-12-12',
      sunday: '2026-12-13',
    });

    const tag = unique();
    const { sunday } = thisWeekend(new Date());
    const monday = new Date(Date.parse(`${sunday}T12:00:00Z`) + 86_400_000).toISOString();
    await insertEvent(organizerUser.id, `Sunday night ${tag}`, `${sunday}T23:58:00Z`);
    await insertEvent(organizerUser.id, `Monday ${tag}`, monday);
    const weekend = await anonymous(`/events?when=weekend&q=${tag}`).expect(200);
    expect(titlesOn(weekend.text)).toEqual([`Sunday night ${tag}`]);
    expect(weekend.text).toContain('<h1>Events matching');
    const heading = (await anonymous('/events?when=weekend').expect(200)).text;
    expect(heading).toContain('<h1>This weekend</h1>');
  });

  it('keeps an archive of past events, most recent first; drafts and cancelled events stay out', async () => {
    const tag = unique();
    await insertEvent(organizerUser.id, `Last month ${tag}`, inDays(-30));
    await insertEvent(organizerUser.id, `Last week ${tag}`, inDays(-7), { categoryId: music.id });
    await insertEvent(organizerUser.id, `Old draft ${tag}`, inDays(-3), { status: 'draft' });
    await insertEvent(organizerUser.id, `Cancelled ${tag}`, inDays(-2), { status: 'cancelled' });
    await insertEvent(organizerUser.id, `Next week ${tag}`, inDays(7));
    const past = await anonymous(`/events?when=past&q=${tag}`).expect(200);
    expect(titlesOn(past.text)).toEqual([`Last week ${tag}`, `Last month ${tag}`]);
    expect(past.text).toContain('0 went');
    expect(titlesOn((await anonymous(`/events?q=${tag}`).expect(200)).text)).toEqual([`Next week ${tag}`]);
    const pastMusic = await anonymous(`/events?when=past&category=${music.slug}&q=${tag}`).expect(200);
    expect(titlesOn(pastMusic.text)).toEqual([`Last week ${tag}`]);
    // Pagination keeps the filters.
    const home = (await anonymous('/events?when=past').expect(200)).text;
    expect(home).toContain('<h1>Past events</h1>');
  });

  it('never answers a filtered list from the cached plain list; renaming a category refreshes the lists', async () => {
    const tag = unique();
    await insertEvent(organizerUser.id, `Uncategorised ${tag}`, inDays(1));
    // Warm the whole-page cache of the plain list until it answers from it.
    let hit = false;
    for (let attempt = 0; attempt < 20 && !hit; attempt++) {
      hit = (await anonymous('/events').expect(200)).headers['x-page-cache'] === 'hit';
    }
    expect(hit).toBe(true);
    const filtered = await anonymous(`/events?category=${music.slug}`).expect(200);
    expect(filtered.headers['x-page-cache']).toBeUndefined();
    expect(titlesOn(filtered.text)).not.toContain(`Uncategorised ${tag}`);
    for (const path of ['/events?when=past', '/events?when=weekend', '/events?from=2030-01-01']) {
      expect((await anonymous(path).expect(200)).headers['x-page-cache']).toBeUndefined();
    }

    const change = (await admin.get(`/admin/eventcategory/${music.id}/change`).expect(200)).text;
    const renamed = `Concerts ${unique()}`;
    const version = /name="_version" value="([^"]*)"/.exec(change)?.[1] ?? '';
    const saved = await admin
      .post(`/admin/eventcategory/${music.id}/change`)
      .type('form')
      .send({ name: renamed, slug: music.slug, _version: version, _save: 'Save', _csrf: csrfFrom(change) });
    expectStatus(saved, 303);
    const list = await anonymous('/events').expect(200);
    expect(list.headers['x-page-cache']).toBeUndefined();
    expect(list.text).toContain(`>${renamed}</option>`);
    music = { ...music, name: renamed };
  });
});
