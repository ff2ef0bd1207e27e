import type { NestExpressApplication } from '@nestjs/platform-express';
import { csrfFrom, expectStatus, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { adminLog, createUser, loggedIn, type TestUser } from './support';

async function createEvent(organizerId: number, title: string): Promise<number> {
  const [row] = await sql<{ id: number }>(
    `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
     VALUES ($1, $2, now() + interval '10 days', now() + interval '10 days 2 hours', 10, now()) RETURNING id`,
    [organizerId, title],
  );
  return row.id;
}

describe('admin: events and permissions (real PostgreSQL and Redis)', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  let superuser: TestUser;
  let organizer: TestUser;

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin, user: superuser } = await loggedIn(app, { staff: true, superuser: true }));
    organizer = await createUser();
  });
  afterAll(async () => {
    await app.close();
  });

  it('a staff user with only event.view sees the list and detail without controls; forged POSTs get 403 and log nothing', async () => {
    const id = await createEvent(organizer.id, `Viewable ${Date.now()}`);
    const { agent } = await loggedIn(app, { staff: true, permissions: ['event.view'] });
    const index = (await agent.get('/admin').expect(200)).text;
    expect(index).toContain('href="/admin/event"');
    expect(index).not.toContain('href="/admin/user"');
    const list = (await agent.get('/admin/event').expect(200)).text;
    expect(list).toContain(`href="/admin/event/${id}/change"`);
    expect(list).not.toContain('/admin/event/add');
    expect(list).not.toContain('value="delete_selected"');
    expect(list).not.toContain('value="cancel_events"');
    expect(list).toContain('value="export_csv"');
    const detail = (await agent.get(`/admin/event/${id}/change`).expect(200)).text;
    expect(detail).not.toContain('name="_save"');
    expect(detail).not.toContain(`/admin/event/${id}/delete`);
    expect(detail).not.toContain('name="title"');
    await agent.get(`/admin/event/${id}/delete`).expect(403);
    await agent.get('/admin/event/add').expect(403);
    await agent.get('/admin/user').expect(403);

    const csrf = csrfFrom(detail);
    for (const [path, form] of [
      [`/admin/event/${id}/change`, { title: 'Forged', capacity: '1' }],
      [`/admin/event/${id}/delete`, {}],
      ['/admin/event/add', { title: 'Forged' }],
      ['/admin/event/action', { action: 'delete_selected', _selected_action: String(id), confirm: 'yes' }],
      ['/admin/event/action', { action: 'cancel_events', _selected_action: String(id), confirm: 'yes' }],
    ] as const) {
      expectStatus(
        await agent
          .post(path)
          .type('form')
          .send({ ...form, _csrf: csrf }),
        403,
      );
    }
    const [event] = await sql<{ title: string; status: string }>(
      'SELECT title, status FROM events WHERE id = $1',
      [id],
    );
    expect(event.title).toMatch(/^Viewable/);
    expect(event.status).toBe('published');
    expect(await adminLog('Event', id)).toEqual([]);
  });

  it('a staff user with event.change but not event.delete may edit but not delete', async () => {
    const id = await createEvent(organizer.id, `Changeable ${Date.now()}`);
    const { agent } = await loggedIn(app, { staff: true, permissions: ['event.change'] });
    const detail = (await agent.get(`/admin/event/${id}/change`).expect(200)).text;
    expect(detail).toContain('name="_save"');
    expect(detail).not.toContain('name="_addanother"');
    expect(detail).not.toContain(`/admin/event/${id}/delete`);
    expectStatus(
      await agent
        .post(`/admin/event/${id}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(detail) }),
      403,
    );
  });

  it('adds, changes, cancels (bulk) and deletes events, each logged with the changed fields', async () => {
    const form = (await admin.get('/admin/event/add').expect(200)).text;
    expect(form).toContain('data-lookup="/admin/user/lookup"');
    // Bad input: 400 with messages, nothing saved.
    const bad = expectStatus(
      await admin
        .post('/admin/event/add')
        .type('form')
        .send({
          _csrf: csrfFrom(form),
          title: '',
          startsAt: '2030-01-02T10:00',
          endsAt: '2030-01-01T10:00',
          capacity: 'lots',
          timeZone: 'Mars/Olympus_Mons',
          organizerId: '99999999',
        }),
      400,
    );
    expect(bad.text).toMatch(/id="err-timeZone"[^>]*>Select a valid choice/);
    expect(bad.text).toMatch(/id="err-title"[^>]*>This field is required/);
    expect(bad.text).toMatch(/id="err-capacity"[^>]*>Enter a whole number/);
    expect(bad.text).toMatch(/id="err-organizerId"[^>]*>No User with id 99999999 exists/);
    const badDates = expectStatus(
      await admin
        .post('/admin/event/add')
        .type('form')
        .send({
          _csrf: csrfFrom(form),
          title: 'Dates',
          startsAt: '2030-01-02T10:00',
          endsAt: '2030-01-01T10:00',
          capacity: '5',
          organizerId: String(organizer.id),
        }),
      400,
    );
    expect(badDates.text).toMatch(/id="err-endsAt"[^>]*>The event must end after it starts/);
    expect(await sql(`SELECT id FROM events WHERE title IN ('', 'Dates')`)).toEqual([]);

    const title = `Admin added ${Date.now()}`;
    const added = expectStatus(
      await admin
        .post('/admin/event/add')
        .type('form')
        .send({
          _csrf: csrfFrom(form),
          title,
          description: 'Line one\nLine two',
          startsAt: '2030-01-01T10:00',
          endsAt: '2030-01-01T12:00',
          capacity: '5',
          organizerId: String(organizer.id),
          _addanother: '1',
        }),
      303,
    );
    expect(added.headers.location).toBe('/admin/event/add');
    const [event] = await sql<{ id: number; starts_at: Date }>(
      'SELECT id, starts_at FROM events WHERE title = $1',
      [title],
    );
    expect(event.starts_at.toISOString()).toBe('2030-01-01T10:00:00.000Z');

    const page = (await admin.get(`/admin/event/${event.id}/change`).expect(200)).text;
    const version = /name="_version" value="([^"]+)"/.exec(page)![1];
    expectStatus(
      await admin
        .post(`/admin/event/${event.id}/change`)
        .type('form')
        .send({
          _csrf: csrfFrom(page),
          _version: version,
          title: `${title} (edited)`,
          description: 'Line one\nLine two',
          startsAt: '2030-01-01T10:00:00',
          endsAt: '2030-01-01T12:00:00',
          timeZone: 'Europe/Paris',
          capacity: '7',
          organizerId: String(organizer.id),
        }),
      303,
    );

    const confirm = expectStatus(
      await admin
        .post('/admin/event/action')
        .type('form')
        .send({ _csrf: csrfFrom(page), action: 'cancel_events', _selected_action: String(event.id) }),
      200,
    );
    expect(confirm.text).toContain('Attendees who are going or waitlisted get the cancellation e-mail.');
    expectStatus(
      await admin
        .post('/admin/event/action')
        .type('form')
        .send({
          _csrf: csrfFrom(confirm.text),
          action: 'cancel_events',
          _selected_action: String(event.id),
          confirm: 'yes',
        }),
      303,
    );

    const deletePage = (await admin.get(`/admin/event/${event.id}/delete`).expect(200)).text;
    expectStatus(
      await admin
        .post(`/admin/event/${event.id}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(deletePage) }),
      303,
    );

    const log = await adminLog('Event', event.id);
    expect(log.map((entry) => entry.action)).toEqual(['add', 'change', 'change', 'delete']);
    expect(log.every((entry) => entry.user_id === superuser.id)).toBe(true);
    expect(log[0].changes).toMatchObject({ title: [null, title], capacity: [null, 5] });
    expect(log[1].changes).toEqual({
      title: [title, `${title} (edited)`],
      capacity: [5, 7],
      timeZone: ['UTC', 'Europe/Paris'],
    });
    expect(log[2].message).toBe('Cancel selected events');
    expect(Object.keys(log[2].changes).sort()).toEqual(['cancelledAt', 'status']);
    expect(log[2].changes.status).toEqual(['published', 'cancelled']);
    expect(log[3].object_repr).toBe(`${title} (edited)`);
  });

  it('lists the RSVPs a deletion takes with it, and filters by relation id and date', async () => {
    const id = await createEvent(organizer.id, `With RSVPs ${Date.now()}`);
    const guest = await createUser();
    await sql(`INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now())`, [
      id,
      guest.id,
    ]);
    const page = (await admin.get(`/admin/event/${id}/delete`).expect(200)).text;
    expect(page).toMatch(/RSVPs \(event\): 1/);
    const filtered = (
      await admin.get(`/admin/event?f_organizer=${organizer.id}&f_startsAt=today`).expect(200)
    ).text;
    expect(filtered).toContain('No Events match');
    const byOrganizer = (await admin.get(`/admin/event?f_organizer=${organizer.id}`).expect(200)).text;
    expect(byOrganizer).toContain(`href="/admin/event/${id}/change"`);
    const search = (
      await admin.get(`/admin/event?q=${encodeURIComponent(organizer.email.toUpperCase())}`).expect(200)
    ).text;
    expect(search).toContain(`href="/admin/event/${id}/change"`);
    // Deleted through the events service, as in the API: the attendee is told, the deletion logged.
    expectStatus(
      await admin
        .post(`/admin/event/${id}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(page) }),
      303,
    );
    expect(await sql('SELECT id FROM events WHERE id = $1', [id])).toEqual([]);
    expect(
      await sql(`SELECT id FROM outgoing_emails WHERE to_address = $1 AND template = 'event_cancelled'`, [
        guest.email,
      ]),
    ).toHaveLength(1);
    expect((await adminLog('Event', id)).map((entry) => entry.action)).toEqual(['delete']);
  });

  it('sorts only by indexed columns and exports CSV without spreadsheet formulas', async () => {
    const id = await createEvent(organizer.id, '=HYPERLINK("http://evil.example","x")');
    const list = (await admin.get('/admin/event?o=title').expect(200)).text;
    expect(list).not.toContain('o&#x3D;title');
    expect(list).toContain('o&#x3D;startsAt');
    const csv = await admin
      .post('/admin/event/action')
      .type('form')
      .send({ _csrf: csrfFrom(list), action: 'export_csv', _selected_action: String(id), confirm: 'yes' })
      .expect(200);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
  });

  it('saves changes through the events service: a larger capacity promotes the waitlist; cancelled events stay as they are', async () => {
    const id = await createEvent(organizer.id, `Full ${Date.now()}`);
    const [going, waiting] = [await createUser(), await createUser()];
    await sql(`UPDATE events SET capacity = 1, going_count = 1 WHERE id = $1`, [id]);
    await sql(
      `INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now()), ($1, $3, 'waitlisted', now())`,
      [id, going.id, waiting.id],
    );
    const page = (await admin.get(`/admin/event/${id}/change`).expect(200)).text;
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)![1];
    const form = {
      _csrf: csrfFrom(page),
      _version: field('_version'),
      title: field('title'),
      location: '',
      description: '',
      startsAt: field('startsAt'),
      endsAt: field('endsAt'),
      timeZone: 'UTC',
      organizerId: String(organizer.id),
    };
    const lower = expectStatus(
      await admin
        .post(`/admin/event/${id}/change`)
        .type('form')
        .send({ ...form, capacity: '0' }),
      400,
    );
    expect(lower.text).toContain('id="err-capacity"');
    expectStatus(
      await admin
        .post(`/admin/event/${id}/change`)
        .type('form')
        .send({ ...form, capacity: '2' }),
      303,
    );
    const [rsvp] = await sql<{ status: string }>(
      'SELECT status FROM rsvps WHERE event_id = $1 AND user_id = $2',
      [id, waiting.id],
    );
    expect(rsvp.status).toBe('going');
    expect(
      await sql(`SELECT id FROM outgoing_emails WHERE to_address = $1 AND template = 'event_promoted'`, [
        waiting.email,
      ]),
    ).toHaveLength(1);
    const [entry] = await adminLog('Event', id);
    expect(entry.changes).toEqual({ capacity: [1, 2] });

    await sql(`UPDATE events SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [id]);
    const cancelled = (await admin.get(`/admin/event/${id}/change`).expect(200)).text;
    const refused = expectStatus(
      await admin
        .post(`/admin/event/${id}/change`)
        .type('form')
        .send({ ...form, _version: /name="_version" value="([^"]*)"/.exec(cancelled)![1], capacity: '3' }),
      400,
    );
    expect(refused.text).toContain('A cancelled event cannot be edited.');
    expect(
      (await sql<{ capacity: number }>('SELECT capacity FROM events WHERE id = $1', [id]))[0].capacity,
    ).toBe(2);
  });

  it('publishes drafts in bulk, refusing (with the reason) one whose start has passed', async () => {
    const ready = await createEvent(organizer.id, `Draft ready ${Date.now()}`);
    const stale = await createEvent(organizer.id, `Draft stale ${Date.now()}`);
    await sql(`UPDATE events SET status = 'draft' WHERE id IN ($1, $2)`, [ready, stale]);
    await sql(`UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = $1`, [stale]);
    const list = (await admin.get('/admin/event?f_status=draft').expect(200)).text;
    const done = await admin
      .post('/admin/event/action')
      .type('form')
      .send({
        _csrf: csrfFrom(list),
        action: 'publish_drafts',
        _selected_action: [String(ready), String(stale)],
        confirm: 'yes',
      })
      .redirects(1);
    expect(done.text).toContain('Published 1 draft(s).');
    expect(done.text).toContain(`#${stale}: The event must start in the future.`);
    expect(
      await sql('SELECT id, status FROM events WHERE id IN ($1, $2) ORDER BY id', [ready, stale]),
    ).toEqual([
      { id: ready, status: 'published' },
      { id: stale, status: 'draft' },
    ]);
  });

  it('cancels RSVPs through the RSVP service (the waitlist moves up), logging the status change', async () => {
    const id = await createEvent(organizer.id, `Cancel RSVP ${Date.now()}`);
    const [going, waiting] = [await createUser(), await createUser()];
    await sql(`UPDATE events SET capacity = 1, going_count = 1 WHERE id = $1`, [id]);
    const [rsvp] = await sql<{ id: number }>(
      `INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now()) RETURNING id`,
      [id, going.id],
    );
    await sql(
      `INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'waitlisted', now())`,
      [id, waiting.id],
    );
    const list = (await admin.get(`/admin/rsvp?f_event=${id}`).expect(200)).text;
    expect(list).toContain('value="cancel_rsvps"');
    expect(list).not.toContain('value="delete_selected"');
    expectStatus(
      await admin
        .post('/admin/rsvp/action')
        .type('form')
        .send({
          _csrf: csrfFrom(list),
          action: 'cancel_rsvps',
          _selected_action: String(rsvp.id),
          confirm: 'yes',
        }),
      303,
    );
    const statuses = await sql<{ user_id: number; status: string }>(
      'SELECT user_id, status FROM rsvps WHERE event_id = $1 ORDER BY id',
      [id],
    );
    expect(statuses).toEqual([
      { user_id: going.id, status: 'cancelled' },
      { user_id: waiting.id, status: 'going' },
    ]);
    const [entry] = await adminLog('Rsvp', rsvp.id);
    expect(entry.changes.status).toEqual(['going', 'cancelled']);
  });

  it('shows when each RSVP was checked in at the door, in the list and on the RSVP’s page', async () => {
    const id = await createEvent(organizer.id, `Check-in column ${Date.now()}`);
    const [early, late] = [await createUser(), await createUser()];
    await sql(`UPDATE events SET going_count = 2 WHERE id = $1`, [id]);
    const [rsvp] = await sql<{ id: number }>(
      `INSERT INTO rsvps (event_id, user_id, status, checked_in_at, updated_at)
       VALUES ($1, $2, 'going', '2026-03-04T18:05:00Z', now()) RETURNING id`,
      [id, early.id],
    );
    await sql(`INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now())`, [
      id,
      late.id,
    ]);
    const list = (await admin.get(`/admin/rsvp?f_event=${id}`).expect(200)).text;
    expect(list).toContain('Checked in at');
    expect(list).toMatch(/2026-03-04[ T]18:05/);
    const detail = (await admin.get(`/admin/rsvp/${rsvp.id}`).redirects(1).expect(200)).text;
    expect(detail).toMatch(/2026-03-04[ T]18:05/);
  });
});
