import type { NestExpressApplication } from '@nestjs/platform-express';
import { AdminSite } from '../../src/admin/admin-site';
import { csrfFrom, expectStatus, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { adminLog, loggedIn } from './support';

describe('admin registrations (real PostgreSQL and Redis)', () => {
  let app: NestExpressApplication;
  let admin: Agent;

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('renders the list, the add form (when allowed) and an object of every registered model', async () => {
    const site = app.get(AdminSite);
    expect(site.all().length).toBeGreaterThanOrEqual(8);
    for (const info of site.all()) {
      const list = expectStatus(await admin.get(`/admin/${info.slug}`), 200);
      const first = /<th scope="row"><a href="(\/admin\/[^"]+)"/.exec(list.text)?.[1];
      if (first) expectStatus(await admin.get(first), 200);
      const add = await admin.get(`/admin/${info.slug}/add`);
      expect(add.status).toBe(info.admin.disallow?.includes('add') || !info.addable ? 403 : 200);
    }
  });

  it('never shows an e-mail’s context (it holds verification links) and retries failed e-mails, logging the status change', async () => {
    const [failed] = await sql<{ id: string }>(
      `INSERT INTO outgoing_emails (id, to_address, template, subject, context, status, attempts, last_error, message_id, updated_at)
       VALUES (gen_random_uuid(), 'x@example.com', 'test', 'Hello', '{"verifyPath": "/accounts/verify-email/SECRET-TOKEN"}', 'failed', 5, 'SMTP down', $1, now())
       RETURNING id`,
      [`<${Date.now()}@test>`],
    );
    const page = expectStatus(await admin.get(`/admin/outgoingemail/${failed.id}/change`), 200).text;
    expect(page).toContain('SMTP down');
    expect(page).not.toContain('SECRET-TOKEN');
    expect(page).not.toContain('name="_save"');
    const confirm = expectStatus(
      await admin
        .post('/admin/outgoingemail/action')
        .type('form')
        .send({ _csrf: csrfFrom(page), action: 'retry_failed', _selected_action: failed.id }),
      200,
    );
    expect(confirm.text).toContain('Are you sure?');
    expectStatus(
      await admin
        .post('/admin/outgoingemail/action')
        .type('form')
        .send({
          _csrf: csrfFrom(confirm.text),
          action: 'retry_failed',
          _selected_action: failed.id,
          confirm: 'yes',
        }),
      303,
    );
    const [row] = await sql<{ status: string }>('SELECT status FROM outgoing_emails WHERE id = $1', [
      failed.id,
    ]);
    expect(row.status).not.toBe('failed');
    const [entry] = await adminLog('OutgoingEmail', failed.id);
    expect(entry.message).toBe('Retry failed e-mails');
    expect((entry.changes.status as unknown[])[0]).toBe('failed');
    expect(JSON.stringify(entry.changes)).not.toContain('SECRET-TOKEN');
  });

  it('keeps the admin log read-only, even for superusers', async () => {
    const page = expectStatus(await admin.get('/admin/adminlog'), 200).text;
    expect(page).not.toContain('value="delete_selected"');
    expectStatus(
      await admin
        .post('/admin/adminlog/1/delete')
        .type('form')
        .send({ _csrf: csrfFrom(page) }),
      403,
    );
  });
});
