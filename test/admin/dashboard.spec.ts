import type { NestExpressApplication } from '@nestjs/platform-express';
import { expectStatus, sql } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { AdminDashboardService, DASHBOARD_DAYS } from '../../src/admin/admin-dashboard.service';
import { JobQueues } from '../../src/jobs/queue/queue.module';
import { createUser, loggedIn } from './support';

/**
 * The admin index's dashboard on real PostgreSQL and Redis: the per-day figures are counted by
 * day (UTC) over the last 30 days, zero days included; queue counts come from Bull; each chart
 * needs the view permission of what it counts, and comes with its figures as a table.
 */
describe('admin dashboard', () => {
  let app: NestExpressApplication;
  let dashboard: AdminDashboardService;
  /** A "today" no other suite writes near: the window holds only this suite's rows. */
  const now = new Date('2031-06-30T15:00:00Z');

  beforeAll(async () => {
    app = await startWebApp();
    dashboard = app.get(AdminDashboardService);
  });
  afterAll(async () => {
    await app.close();
  });

  it('counts sign-ups, RSVPs and e-mails per UTC day over the last 30 days', async () => {
    // A run before this one left its rows in the window.
    const window = ['2031-04-01', '2031-08-01'];
    await sql('DELETE FROM users WHERE created_at >= $1 AND created_at < $2', window);
    await sql('DELETE FROM outgoing_emails WHERE created_at >= $1 AND created_at < $2', window);
    const at = (iso: string) => new Date(iso);
    const users = [];
    for (const created of [
      '2031-05-31T23:59:59Z', // the day before the window
      '2031-06-01T00:00:00Z', // its first day
      '2031-06-03T10:00:00Z',
      '2031-06-03T23:59:59Z',
      '2031-06-30T14:00:00Z', // today
    ]) {
      const user = await createUser();
      await sql('UPDATE users SET created_at = $2 WHERE id = $1', [user.id, at(created)]);
      users.push(user);
    }
    const [event] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, updated_at)
       VALUES ($1, 'Dashboard', '2031-08-01', '2031-08-02', now()) RETURNING id`,
      [users[0].id],
    );
    for (const [index, created] of [
      '2031-06-03T12:00:00Z',
      '2031-06-29T00:30:00Z',
      '2031-06-29T23:00:00Z',
    ].entries()) {
      await sql(
        `INSERT INTO rsvps (event_id, user_id, status, created_at, updated_at) VALUES ($1, $2, 'going', $3, now())`,
        [event.id, users[index].id, at(created)],
      );
    }
    for (const [status, created] of [
      ['sent', '2031-06-02T08:00:00Z'],
      ['sent', '2031-06-02T09:00:00Z'],
      ['failed', '2031-06-02T10:00:00Z'],
      ['queued', '2031-06-30T13:00:00Z'],
      ['sent', '2031-05-01T00:00:00Z'], // long before
    ]) {
      await sql(
        `INSERT INTO outgoing_emails (id, to_address, template, subject, context, message_id, status, created_at, updated_at)
         VALUES (gen_random_uuid(), 'dash@example.com', 'test', 'Dash', '{}', '<' || gen_random_uuid() || '@x>', $1, $2, now())`,
        [status, at(created)],
      );
    }

    const data = await dashboard.compute(now);
    expect(data.days).toHaveLength(DASHBOARD_DAYS);
    expect(data.days[0]).toBe('2031-06-01');
    expect(data.days.at(-1)).toBe('2031-06-30');
    const on = (values: number[], day: string) => values[data.days.indexOf(day)];
    expect(on(data.signups, '2031-06-01')).toBe(1);
    expect(on(data.signups, '2031-06-03')).toBe(2);
    expect(on(data.signups, '2031-06-30')).toBe(1);
    expect(data.signups.reduce((a, b) => a + b)).toBe(4);
    expect(on(data.rsvps, '2031-06-03')).toBe(1);
    expect(on(data.rsvps, '2031-06-29')).toBe(2);
    expect(data.rsvps.reduce((a, b) => a + b)).toBe(3);
    expect(on(data.emails.sent, '2031-06-02')).toBe(2);
    expect(on(data.emails.failed, '2031-06-02')).toBe(1);
    expect(on(data.emails.queued, '2031-06-30')).toBe(1);
    expect(data.emails.sent.reduce((a, b) => a + b)).toBe(2);
    expect(data.emails.sending.every((n) => n === 0)).toBe(true);
  });

  it('shows each queue’s backlog from Bull', async () => {
    const system = app
      .get(JobQueues)
      .all()
      .find((queue) => queue.name === 'system')!;
    const before = (await dashboard.compute()).queues.find((queue) => queue.name === 'system')!.counts!;
    // No worker runs in this process: the job waits, delayed by an hour so none elsewhere takes it.
    const job = await system.add('dashboard-test', {}, { delay: 3_600_000 });
    try {
      const after = (await dashboard.compute()).queues.find((queue) => queue.name === 'system')!.counts!;
      expect(after.delayed).toBe(before.delayed + 1);
      expect(Object.keys(after).sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);
    } finally {
      await job.remove();
    }
  });

  it('shows only the charts the staff member may see, each with its table, cached briefly', async () => {
    const { agent: superuser } = await loggedIn(app, { staff: true, superuser: true });
    const full = expectStatus(await superuser.get('/admin'), 200).text;
    for (const id of ['activity', 'emails', 'queues']) expect(full).toContain(`id="chart-${id}"`);
    expect(full).toContain('<script src="/static/vendor/chart.js/chart.umd.js" defer></script>');
    expect(full).toContain('Show the figures as a table');
    expect(full).toMatch(/<canvas data-chart="[^"]+" role="img" aria-label="Sign-ups and RSVPs per day/);
    const generated = /Figures as of ([^(]+) \(/.exec(full)![1];
    // Within the cache's 30 seconds, the same figures.
    expect(expectStatus(await superuser.get('/admin'), 200).text).toContain(`Figures as of ${generated}`);

    const { agent: rsvpViewer } = await loggedIn(app, { staff: true, permissions: ['rsvp.view'] });
    const partial = expectStatus(await rsvpViewer.get('/admin'), 200).text;
    expect(partial).toContain('id="chart-activity"');
    expect(partial).not.toContain('Sign-ups</th>');
    expect(partial).toContain('RSVPs</th>');
    expect(partial).not.toContain('id="chart-emails"');
    expect(partial).not.toContain('id="chart-queues"');

    const { agent: eventsOnly } = await loggedIn(app, { staff: true, permissions: ['event.view'] });
    const none = expectStatus(await eventsOnly.get('/admin'), 200).text;
    expect(none).not.toContain('admin-dashboard');
    expect(none).not.toContain('chart.umd.js');

    // The library is served from the app, not a CDN.
    const library = expectStatus(await superuser.get('/static/vendor/chart.js/chart.umd.js'), 200);
    expect(library.headers['content-type']).toMatch(/javascript/);
  });
});
