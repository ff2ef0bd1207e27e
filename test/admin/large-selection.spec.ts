import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { ACTION_LIMIT } from '../../src/admin/change-list.service';
import { csrfFrom, expectStatus, sql, type Agent } from '../accounts/support';
import { eventually } from '../support/eventually';
import { TEST_ENV } from '../support/test-env';
import { startWebApp } from '../support/web-app';
import { loggedIn } from './support';

/** An attribute value as a browser reads it (Handlebars escapes `=`, `&`, quotes…). */
function unescapeHtml(value: string): string {
  return value.replace(/&(#x([0-9a-f]+)|amp|quot|lt|gt);/gi, (entity, _name: string, hex?: string) =>
    hex
      ? String.fromCodePoint(parseInt(hex, 16))
      : ({ '&amp;': '&', '&quot;': '"', '&lt;': '<', '&gt;': '>' }[entity] ?? entity),
  );
}

/** The hidden fields of the confirmation page's form, as a browser would post them back. */
function confirmationForm(html: string): string {
  const form = /<form method="post" action="[^"]*\/action">([\s\S]*?)<\/form>/.exec(html)?.[1];
  if (!form) throw new Error(`no confirmation form in:\n${html.slice(0, 2000)}`);
  const fields = [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)];
  return fields
    .map(([, name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(unescapeHtml(value))}`)
    .join('&');
}

/**
 * Every selection the change list lets a person make can be confirmed and applied: "apply to every
 * matching" covers up to ACTION_LIMIT (10,000) objects, which body-parser's limits (1,000 fields,
 * 100 KB) refused with a 413 when the confirmation page posted one field per object back.
 */
describe('admin actions on large selections', () => {
  let app: NestExpressApplication;
  let admin: Agent;

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
  });
  afterAll(async () => {
    await app.close();
  });

  /** Ticks "apply to every matching" on the list at `list` and chooses `action`: the confirmation page. */
  async function selectAll(list: string, action: string): Promise<string> {
    const page = expectStatus(await admin.get(list), 200).text;
    expect(page).toContain('name="select_across"');
    const confirmation = await admin
      .post(`${list.split('?')[0]}/action`)
      .type('form')
      .send({ action, select_across: '1', qs: list.split('?')[1] ?? '', _csrf: csrfFrom(page) });
    return expectStatus(confirmation, 200).text;
  }

  it(`exports all ${ACTION_LIMIT.toLocaleString('en')} matching e-mails (UUID keys, the longest)`, async () => {
    await sql(
      `INSERT INTO outgoing_emails (id, to_address, template, subject, context, message_id, status, updated_at)
       SELECT gen_random_uuid(), 'bulk-' || n || '@example.com', 'test', 'Bulk ' || n, '{}', '<bulk-' || n || '@x>', 'failed', now()
       FROM generate_series(1, $1) n`,
      [ACTION_LIMIT],
    );
    const confirmation = await selectAll('/admin/outgoingemail', 'export_csv');
    expect(confirmation).toContain(`${ACTION_LIMIT} Outgoing e-mails`);
    const csv = await admin
      .post('/admin/outgoingemail/action')
      .type('form')
      .send(confirmationForm(confirmation));
    expectStatus(csv, 200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toHaveLength(ACTION_LIMIT + 1);
  });

  it('deactivates 1,500 matching users, logging each; a selection that changed meanwhile is confirmed again', async () => {
    await sql(
      `INSERT INTO users (email, display_name, updated_at)
       SELECT 'many-' || n || '@example.com', 'Many ' || n, now() FROM generate_series(1, 1500) n`,
    );
    const list = '/admin/user?q=many-';
    const confirmation = await selectAll(list, 'deactivate');
    expect(confirmation).toMatch(/1500 users/i);

    // Someone signs up and matches the search before the admin confirms: nothing is done yet, and
    // the page asks again about the selection as it is now.
    await sql(
      `INSERT INTO users (email, display_name, updated_at) VALUES ('many-late@example.com', 'Late', now())`,
    );
    const again = await admin.post('/admin/user/action').type('form').send(confirmationForm(confirmation));
    expect(expectStatus(again, 200).text).toMatch(/1501 users/i);
    expect(again.text).toMatch(/changed since/);
    const [{ n: stillActive }] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE email LIKE 'many-%' AND is_active`,
    );
    expect(stillActive).toBe(1501);

    expectStatus(await admin.post('/admin/user/action').type('form').send(confirmationForm(again.text)), 303);
    const [{ n: active }] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE email LIKE 'many-%' AND is_active`,
    );
    expect(active).toBe(0);
    const [{ n: logged }] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM admin_log WHERE model = 'User' AND message = 'Deactivate selected users'`,
    );
    expect(logged).toBe(1501);
  });

  it.each([
    {
      what: 'an action',
      action: 'deactivate',
      list: '/admin/user?q=held-',
      seed: `INSERT INTO users (email, display_name, updated_at)
             SELECT 'held-' || n || '@example.com', 'Held ' || n, now() FROM generate_series(1, 150) n`,
      hold: `SELECT id FROM users WHERE email = 'held-1@example.com' FOR UPDATE`,
      waiting: 'UPDATE%users%',
      left: `SELECT count(*)::int AS n FROM users WHERE email LIKE 'held-%' AND is_active`,
    },
    {
      what: 'a bulk delete',
      action: 'delete_selected',
      list: '/admin/eventcategory',
      seed: `INSERT INTO event_categories (name, slug) SELECT 'Held ' || n, 'held-' || n FROM generate_series(1, 150) n`,
      hold: `SELECT id FROM event_categories WHERE slug = 'held-1' FOR UPDATE`,
      waiting: 'DELETE%event_categories%',
      left: `SELECT count(*)::int AS n FROM event_categories WHERE slug LIKE 'held-%'`,
    },
  ])(
    "$what on rows another transaction holds waits for them past Prisma's 5 s default, instead of a 500",
    async ({ action, list, seed, hold, waiting, left }) => {
      await sql(seed);
      const confirmation = await selectAll(list, action);
      const holder = new Client({ connectionString: TEST_ENV.DATABASE_URL });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(hold);
        const applied = admin
          .post(`${list.split('?')[0]}/action`)
          .type('form')
          .send(confirmationForm(confirmation))
          .then((r) => r);
        // The statement waits for the row; then the row is held past Prisma's default of 5 s.
        await eventually(async () => {
          const [{ n }] = await sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
            [waiting],
          );
          expect(n).toBe(1);
        });
        await new Promise((resolve) => setTimeout(resolve, 5_500));
        await holder.query('COMMIT');
        expectStatus(await applied, 303);
      } finally {
        await holder.end();
      }
      const [{ n }] = await sql<{ n: number }>(left);
      expect(n).toBe(0);
    },
    30_000,
  );
});
