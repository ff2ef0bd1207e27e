import type { NestExpressApplication } from '@nestjs/platform-express';
import { expectStatus, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { createUser, loggedIn, type TestUser } from './support';

/** More events than the 100,000 rows OFFSET pagination used to stop at. */
const EVENTS = 110_000;
const PER_PAGE = 25;

/** Ids of the rows a change-list page shows, in order. */
function idsOf(html: string): number[] {
  return [...html.matchAll(/name="_selected_action" value="(\d+)"/g)].map((match) => Number(match[1]));
}

/** A link's href as a browser follows it (Handlebars escapes `&` and `=`). */
function linkOf(html: string, rel: 'next' | 'prev'): string | undefined {
  const href = new RegExp(`<a href="([^"]+)" rel="${rel}"`).exec(html)?.[1];
  return href?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
}

function pageLink(html: string, page: number): string | undefined {
  const href = new RegExp(`<li><a href="([^"]+)">${page}</a></li>`).exec(html)?.[1];
  return href?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
}

/**
 * Keyset pagination of the change list on real PostgreSQL: pages past 100,000 rows are served,
 * by page number and by the cursors the next/previous links carry, with the rows that OFFSET over
 * the same ordering would give, including among ties (many events share a start time: the id
 * breaks them).
 */
describe('admin change list: pages deeper than 100,000 rows', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  let organizer: TestUser;
  let list: string;

  /** What OFFSET pagination over the same ordering gives: the truth the pages are checked against. */
  async function expected(orderBy: string, page: number): Promise<number[]> {
    const rows = await sql<{ id: number }>(
      `SELECT id FROM events WHERE organizer_id = $1 ORDER BY ${orderBy} OFFSET $2 LIMIT $3`,
      [organizer.id, (page - 1) * PER_PAGE, PER_PAGE],
    );
    return rows.map((row) => row.id);
  }

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
    organizer = await createUser();
    // One organizer's events (the filter keeps other suites' events out): 100 start times only,
    // so each start time is shared by 1,100 events.
    await sql(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, updated_at)
       SELECT $1, 'Deep ' || n, timestamptz '2030-01-01' + (n % 100) * interval '1 hour',
              timestamptz '2030-01-01' + (n % 100) * interval '1 hour' + interval '1 hour', now()
       FROM generate_series(1, $2) n`,
      [organizer.id, EVENTS],
    );
    await sql('ANALYZE events');
    list = `/admin/event?f_organizer=${organizer.id}`;
  }, 120_000);
  afterAll(async () => {
    await sql('DELETE FROM events WHERE organizer_id = $1', [organizer.id]);
    await app.close();
  });

  it('serves a page number past the old limit with the rows OFFSET would give', async () => {
    const page = 4_321; // rows 108,001–108,025 of 110,000
    const html = expectStatus(await admin.get(`${list}&p=${page}`), 200).text;
    expect(html).not.toContain('deepest page');
    expect(idsOf(html)).toEqual(await expected('id DESC', page));
    expect(html).toContain(`aria-current="page">${page}<`);
  });

  it('next and previous links seek from the page boundary, stable among ties', async () => {
    const orderings = [
      ['startsAt', 'starts_at, id'],
      ['-startsAt', 'starts_at DESC, id DESC'],
    ] as const;
    for (const [o, orderBy] of orderings) {
      const start = 4_100;
      let html = expectStatus(await admin.get(`${list}&o=${o}&p=${start}`), 200).text;
      expect(idsOf(html)).toEqual(await expected(orderBy, start));
      // Five pages on by "Next": each the rows OFFSET gives, none repeated, none skipped.
      const seen: number[] = [...idsOf(html)];
      for (let page = start + 1; page <= start + 5; page++) {
        const next = linkOf(html, 'next');
        expect(next).toContain(`p=${page}&k=a${page - 1}.`);
        html = expectStatus(await admin.get(next!), 200).text;
        expect(idsOf(html)).toEqual(await expected(orderBy, page));
        seen.push(...idsOf(html));
      }
      expect(new Set(seen).size).toBe(6 * PER_PAGE);
      // And back by "Previous", to the same rows.
      const previous = linkOf(html, 'prev');
      expect(previous).toContain(`p=${start + 4}&k=b${start + 5}.`);
      html = expectStatus(await admin.get(previous!), 200).text;
      expect(idsOf(html)).toEqual(await expected(orderBy, start + 4));
      // A numbered link two pages back is sought too (from this page's first row, one page skipped).
      const twoBack = pageLink(html, start + 2);
      expect(twoBack).toContain(`k=b${start + 4}.`);
      html = expectStatus(await admin.get(twoBack!), 200).text;
      expect(idsOf(html)).toEqual(await expected(orderBy, start + 2));
    }
  });

  it('the last page has no next link; past the end is an empty page, not an error', async () => {
    const last = EVENTS / PER_PAGE;
    const html = expectStatus(await admin.get(`${list}&p=${last}`), 200).text;
    expect(idsOf(html)).toEqual(await expected('id DESC', last));
    expect(linkOf(html, 'next')).toBeUndefined();
    const past = expectStatus(await admin.get(`${list}&p=${last + 10}`), 200).text;
    expect(idsOf(past)).toEqual([]);
    expect(past).toContain('past the end of the list');
  });

  it('a forged or stale cursor is ignored: the page number decides', async () => {
    const forged = Buffer.from(JSON.stringify(['not a date', 'x'])).toString('base64url');
    for (const k of [`a4000.${forged}`, 'a4000.!!', `b1.${Buffer.from('[1]').toString('base64url')}`]) {
      const html = expectStatus(
        await admin.get(`${list}&o=startsAt&p=4001&k=${encodeURIComponent(k)}`),
        200,
      ).text;
      expect(idsOf(html)).toEqual(await expected('starts_at, id', 4001));
    }
  });

  it('search still narrows the deep list', async () => {
    const html = expectStatus(await admin.get(`${list}&q=${encodeURIComponent('Deep 109999')}`), 200).text;
    const [row] = await sql<{ id: number }>('SELECT id FROM events WHERE organizer_id = $1 AND title = $2', [
      organizer.id,
      'Deep 109999',
    ]);
    expect(idsOf(html)).toEqual([row.id]);
  });
});
