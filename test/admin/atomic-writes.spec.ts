import type { NestExpressApplication } from '@nestjs/platform-express';
import { AdminLogService } from '../../src/admin/admin-log.service';
import { csrfFrom, expectStatus, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { createUser, loggedIn, type TestUser } from './support';

/**
 * The admin's writes through feature services are atomic: the feature's changes (the event, the
 * waitlist it promotes, the e-mails it records, the organizer), the relation changes and the
 * admin-log entry commit together. A failure injected after the feature write (the log entry cannot
 * be written) leaves nothing written; without it, the same request saves everything.
 */
describe('admin writes through feature services are atomic', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  let organizer: TestUser;
  let logWrite: jest.SpyInstance;

  /** A full event (capacity 1): one person going, one waitlisted. */
  async function fullEvent(title: string): Promise<{ id: number; going: TestUser; waiting: TestUser }> {
    const [event] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, going_count, updated_at)
       VALUES ($1, $2, now() + interval '10 days', now() + interval '10 days 2 hours', 1, 1, now()) RETURNING id`,
      [organizer.id, title],
    );
    const [going, waiting] = [await createUser(), await createUser()];
    await sql(
      `INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now()), ($1, $3, 'waitlisted', now())`,
      [event.id, going.id, waiting.id],
    );
    return { id: event.id, going, waiting };
  }

  /** Everything such a write could have touched, to compare before and after. */
  async function snapshot(eventIds: number[], userIds: number[] = []) {
    return {
      events: await sql(
        'SELECT id, title, capacity, going_count, status, organizer_id FROM events WHERE id = ANY($1) ORDER BY id',
        [eventIds],
      ),
      rsvps: await sql(
        'SELECT id, event_id, user_id, status FROM rsvps WHERE event_id = ANY($1) ORDER BY id',
        [eventIds],
      ),
      users: await sql('SELECT id, email FROM users WHERE id = ANY($1) ORDER BY id', [userIds]),
      emails: await sql('SELECT count(*)::int AS n FROM outgoing_emails'),
      log: await sql('SELECT count(*)::int AS n FROM admin_log'),
    };
  }

  /** Posts `form` (with a CSRF token from `page`) twice: with the admin log failing, then working. */
  async function failThenSucceed(page: string, action: string, form: () => Promise<Record<string, string>>) {
    logWrite.mockRejectedValueOnce(new Error('injected failure after the feature write'));
    const csrf = csrfFrom((await admin.get(page).expect(200)).text);
    const failed = await admin
      .post(action)
      .type('form')
      .send({ ...(await form()), _csrf: csrf });
    expect(failed.status).toBe(500);
    expect(logWrite).toHaveBeenCalled();
    return async () =>
      admin
        .post(action)
        .type('form')
        .send({ ...(await form()), _csrf: csrf });
  }

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
    organizer = await createUser();
    logWrite = jest.spyOn(app.get(AdminLogService), 'write');
  });
  afterAll(async () => {
    logWrite.mockRestore();
    await app.close();
  });

  it('a change (capacity promoting the waitlist, new title e-mailing attendees, a new organizer)', async () => {
    const { id } = await fullEvent('Atomic change');
    const newOrganizer = await createUser();
    const before = await snapshot([id]);
    const page = `/admin/event/${id}/change`;
    const form = async () => {
      const html = (await admin.get(page).expect(200)).text;
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1];
      return {
        _version: field('_version'),
        title: 'Atomic change, moved',
        location: 'Elsewhere',
        description: '',
        startsAt: field('startsAt'),
        endsAt: field('endsAt'),
        timeZone: 'UTC',
        capacity: '2',
        organizerId: String(newOrganizer.id),
      };
    };
    const retry = await failThenSucceed(page, `${page}`, form);
    expect(await snapshot([id])).toEqual(before);

    expectStatus(await retry(), 303);
    const after = await snapshot([id]);
    expect(after.events).toEqual([
      expect.objectContaining({
        title: 'Atomic change, moved',
        capacity: 2,
        going_count: 2,
        organizer_id: newOrganizer.id,
      }),
    ]);
    expect(after.rsvps.map((rsvp) => rsvp.status)).toEqual(['going', 'going']);
    expect(after.emails[0].n).toBeGreaterThan(before.emails[0].n as number);
    expect(after.log[0].n).toBe((before.log[0].n as number) + 1);
  });

  it('a delete (attendees e-mailed) and a bulk action (cancel, attendees e-mailed)', async () => {
    const deleted = await fullEvent('Atomic delete');
    const cancelled = await fullEvent('Atomic cancel');
    const before = await snapshot([deleted.id, cancelled.id]);

    const retryDelete = await failThenSucceed(
      `/admin/event/${deleted.id}/delete`,
      `/admin/event/${deleted.id}/delete`,
      async () => ({}),
    );
    const retryCancel = await failThenSucceed('/admin/event', '/admin/event/action', async () => ({
      action: 'cancel_events',
      _selected_action: String(cancelled.id),
      confirm: 'yes',
    }));
    expect(await snapshot([deleted.id, cancelled.id])).toEqual(before);

    expectStatus(await retryDelete(), 303);
    expectStatus(await retryCancel(), 303);
    const after = await snapshot([deleted.id, cancelled.id]);
    expect(after.events).toEqual([expect.objectContaining({ id: cancelled.id, status: 'cancelled' })]);
    expect(after.emails[0].n).toBe((before.emails[0].n as number) + 4);
  });

  it('deleting a user (their places cancelled, the waitlist promoted, their events deleted)', async () => {
    const theirs = await fullEvent('Atomic: organized by the deleted user');
    const attended = await fullEvent('Atomic: attended by the deleted user');
    const leaving = attended.going;
    await sql('UPDATE events SET organizer_id = $1 WHERE id = $2', [leaving.id, theirs.id]);
    const before = await snapshot([theirs.id, attended.id], [leaving.id]);

    const page = `/admin/user/${leaving.id}/delete`;
    const retry = await failThenSucceed(page, page, async () => ({}));
    expect(await snapshot([theirs.id, attended.id], [leaving.id])).toEqual(before);

    expectStatus(await retry(), 303);
    const after = await snapshot([theirs.id, attended.id], [leaving.id]);
    expect(after.users).toEqual([]);
    expect(after.events).toEqual([expect.objectContaining({ id: attended.id, going_count: 1 })]);
    expect(after.rsvps).toEqual([expect.objectContaining({ user_id: attended.waiting.id, status: 'going' })]);
  });
});
