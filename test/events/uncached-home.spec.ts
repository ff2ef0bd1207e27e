import type { NestExpressApplication } from '@nestjs/platform-express';
import { serialize } from 'node:v8';
import { Client } from 'pg';
import request from 'supertest';
import { UPCOMING_FIRST_PAGE } from '../../src/events/events.service';
import { TEST_ENV } from '../support/test-env';
import { expectStatus, sql, submit, type Agent } from '../accounts/support';
import { loggedIn, type TestUser } from '../admin/support';
import { startWebApp } from '../support/web-app';
import { countQueries } from './query-counter';

/** V8's serializer tags a one-byte string '"' (two-byte ones 'c', maybe after a padding byte). */
const isOneByteString = (text: string) => serialize(text)[2] === '"'.charCodeAt(0);

/** The HTML string the page's handler gives Express's `res.send`, during `load`. */
async function bodyExpressSends(app: NestExpressApplication, load: () => Promise<unknown>): Promise<string> {
  const response = (app.getHttpAdapter().getInstance() as { response: { send: (body: unknown) => unknown } })
    .response;
  const send = response.send;
  let body: unknown;
  response.send = function (this: unknown, value: unknown) {
    if (typeof value === 'string') body = value;
    return send.call(this, value);
  };
  try {
    await load();
  } finally {
    response.send = send;
  }
  if (typeof body !== 'string') throw new Error('no HTML was sent');
  return body;
}

describe('the home page with the page cache off (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  let staff: TestUser;
  const home = () => request(app.getHttpServer()).get('/').expect(200);

  beforeAll(async () => {
    app = await startWebApp({ EVENTS_PAGE_CACHE: 'false' });
    ({ agent: admin, user: staff } = await loggedIn(app, { staff: true, superuser: true }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('makes one SQL statement, its list: the categories are held in memory, and a change in the admin shows at once', async () => {
    await home();
    const { queries } = await countQueries(home);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(/FROM events e/);

    const name = `Folk ${Date.now()}`;
    expectStatus(await submit(admin, '/admin/eventcategory/add', { name, slug: '', _save: 'Save' }), 303);
    expect((await home()).text).toContain(`>${name}</option>`);
    expect((await countQueries(home)).queries).toHaveLength(1);
  });

  it('is Latin-1 text in English, so V8 holds it as a one-byte string (cheaper to send)', async () => {
    // One character above U+00FF anywhere (the switcher's Cyrillic names, a "→") made the whole page
    // a two-byte string, which Express then encodes to UTF-8 from UTF-16.
    const page = (await home()).text;
    expect([...page].filter((char) => char.charCodeAt(0) > 0xff)).toEqual([]);
    expect(page).toContain('&#1059;&#1082;&#1088;&#1072;&#1111;&#1085;&#1089;&#1100;&#1082;&#1072;</button>');
    // And the string Express is given is held as one byte a character: Latin-1 text built from
    // two-byte pieces (a `replace` on a Cyrillic name) stays two-byte in V8.
    const sent = await bodyExpressSends(app, home);
    expect(sent).toBe(page);
    expect(isOneByteString(sent)).toBe(true);
  });

  it('shows each start as node-postgres reads it, to the millisecond, on the list and in a search', async () => {
    const [event] = await sql<{ startsAt: Date }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, time_zone, status, updated_at)
       VALUES ($1, 'Millisecond jazz', now() + interval '30 days 0.678912 seconds', now() + interval '31 days', 'Asia/Tokyo', 'published', now())
       RETURNING starts_at AS "startsAt"`,
      [staff.id],
    );
    for (const path of ['/', '/events?q=millisecond']) {
      const page = (await request(app.getHttpServer()).get(path).expect(200)).text;
      expect(page).toContain(
        `<time datetime="${event.startsAt.toISOString()}" data-event-zone="Asia/Tokyo">`,
      );
    }
  });

  it('shows an event page exactly as stored: text, instants to the millisecond, counts (its statement is one JSON text)', async () => {
    const title = 'Jazz "night" \\ at Zoë’s 🎷 <b>';
    const [event] = await sql<{ id: number; startsAt: Date; endsAt: Date }>(
      `INSERT INTO events (organizer_id, title, description, location, starts_at, ends_at, time_zone, capacity, status, updated_at)
       VALUES ($1, $2, E'Line one\\n\\n**Bold** \\\\ back', 'Café “Blue”', now() + interval '40 days 0.123456 seconds',
               now() + interval '40 days 3 hours 0.987654 seconds', 'Europe/Kyiv', 12, 'published', now())
       RETURNING id, starts_at AS "startsAt", ends_at AS "endsAt"`,
      [staff.id, title],
    );
    const page = (await request(app.getHttpServer()).get(`/events/${event.id}`).expect(200)).text;
    expect(page).toContain('<h1>Jazz &quot;night&quot; \\ at Zoë’s 🎷 &lt;b&gt;</h1>');
    expect(page).toContain(
      `datetime="${event.startsAt.toISOString()}" data-event-zone="Europe/Kyiv" data-ends="${event.endsAt.toISOString()}"`,
    );
    expect(page).toContain('<p>Line one</p>');
    expect(page).toContain('<strong>Bold</strong> \\ back');
    expect(page).toContain('Café “Blue”');
    expect(page).toContain('data-testid="going-count">0</strong> going of 12');
  });

  it("plans the home page's statement once per connection, not on every execution", async () => {
    // PostgreSQL's plan cache keeps a generic plan only when its estimate is no worse than the
    // custom plans': with a LIMIT or OFFSET parameter it never was, and every home page was planned.
    const client = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await client.connect();
    try {
      for (let run = 0; run < 8; run++) await client.query({ ...UPCOMING_FIRST_PAGE, values: [new Date()] });
      const [plans] = (
        await client.query<{ generic: string; custom: string }>(
          'SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements WHERE name = $1',
          [UPCOMING_FIRST_PAGE.name],
        )
      ).rows;
      // Five custom plans first (PostgreSQL's rule), then the generic one for every later run.
      expect({ generic: Number(plans.generic), custom: Number(plans.custom) }).toEqual({
        generic: 3,
        custom: 5,
      });
    } finally {
      await client.end();
    }
  });
});
