import type { NestExpressApplication } from '@nestjs/platform-express';
import { browser, csrfFrom, expectStatus, logIn, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { adminLog, createUser, loggedIn, type TestUser } from './support';

/** POSTs a form with the CSRF token of `page` (GET first, as a browser would). */
async function post(agent: Agent, page: string, action: string, form: Record<string, string | string[]>) {
  const html = (await agent.get(page)).text;
  return agent
    .post(action)
    .type('form')
    .send({ ...form, _csrf: csrfFrom(html) });
}

function versionFrom(html: string): string {
  return /name="_version" value="([^"]+)"/.exec(html)![1];
}

describe('admin engine on the User model (real PostgreSQL and Redis)', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  let superuser: TestUser;

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin, user: superuser } = await loggedIn(app, { staff: true, superuser: true }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('redirects anonymous visitors to log in and refuses non-staff users (403), showing no data', async () => {
    const anonymous = await browser(app).get('/admin/user').expect(303);
    expect(anonymous.headers.location).toBe('/accounts/login?next=%2Fadmin%2Fuser');
    const { agent } = await loggedIn(app, { permissions: ['user.view'] });
    for (const path of [
      '/admin',
      '/admin/user',
      `/admin/user/${superuser.id}/change`,
      '/admin/user/lookup?q=a',
    ]) {
      const response = await agent.get(path).set('Accept', 'text/html').expect(403);
      expect(response.text).not.toContain(superuser.email);
    }
  });

  it('shows the index grouped by module, and only the models the user may see', async () => {
    const index = (await admin.get('/admin').expect(200)).text;
    expect(index).toContain('Accounts');
    expect(index).toContain('href="/admin/user"');
    expect(index).toContain('href="/admin/user/add"');
    const { agent } = await loggedIn(app, { staff: true, permissions: ['user.view'] });
    const limited = (await agent.get('/admin').expect(200)).text;
    expect(limited).toContain('href="/admin/user"');
    expect(limited).not.toContain('href="/admin/user/add"');
    expect(limited).not.toContain('href="/admin/group"');
    expect(index).toContain('href="/admin/queues"');
    expect(limited).not.toContain('href="/admin/queues"');
    await agent.get('/admin/queues').expect(403);
    const { agent: operator } = await loggedIn(app, { staff: true, permissions: ['queues.view'] });
    expect((await operator.get('/admin').expect(200)).text).toContain('href="/admin/queues"');
    expect((await operator.get('/admin/queues').expect(200)).text).toContain('Event Planner queues');
  });

  it('gives a view-only staff member no add/change/delete controls and refuses forged POSTs (403, nothing logged)', async () => {
    const target = await createUser({ email: `target-${Date.now()}@example.com` });
    const { agent } = await loggedIn(app, { staff: true, permissions: ['user.view'] });
    const list = (await agent.get('/admin/user').expect(200)).text;
    expect(list).toContain(target.email);
    expect(list).not.toContain('Add User');
    expect(list).not.toContain('value="delete_selected"');
    expect(list).not.toContain('value="activate"');
    const detail = (await agent.get(`/admin/user/${target.id}/change`).expect(200)).text;
    expect(detail).toContain(target.email);
    expect(detail).not.toContain('name="_save"');
    expect(detail).not.toContain('/delete"');
    expect(detail).not.toContain('/password"');
    expect(detail).not.toContain('name="email"');

    const object = `/admin/user/${target.id}`;
    const page = `${object}/change`;
    await post(agent, page, page, { email: 'hacked@example.com', isActive: 'on' }).then((r) =>
      expectStatus(r, 403),
    );
    await post(agent, page, `${object}/delete`, {}).then((r) => expectStatus(r, 403));
    await post(agent, page, '/admin/user/action', {
      action: 'delete_selected',
      _selected_action: String(target.id),
      confirm: 'yes',
    }).then((r) => expectStatus(r, 403));
    await post(agent, page, '/admin/user/action', {
      action: 'deactivate',
      _selected_action: String(target.id),
      confirm: 'yes',
    }).then((r) => expectStatus(r, 403));
    await post(agent, page, '/admin/user/add', { email: 'new@example.com' }).then((r) =>
      expectStatus(r, 403),
    );
    await post(agent, page, `${object}/password`, { password1: 'x', password2: 'x' }).then((r) =>
      expectStatus(r, 403),
    );
    const [row] = await sql<{ email: string; is_active: boolean }>(
      'SELECT email, is_active FROM users WHERE id = $1',
      [target.id],
    );
    expect(row).toEqual({ email: target.email, is_active: true });
    expect(await adminLog('User', target.id)).toEqual([]);
  });

  it('answers 404 for unknown models and ids', async () => {
    await admin.get('/admin/nosuchmodel').expect(404);
    await admin.get('/admin/usergroup').expect(404); // a model that is not registered
    await admin.get('/admin/user/999999/change').expect(404);
    await admin.get('/admin/user/999999').expect(301);
    await admin.get('/admin/user/abc/change').expect(404);
    await admin.get('/admin/user/999999/history').expect(404);
    await admin.get('/admin/user/999999/delete').expect(404);
    await post(admin, '/admin/user', '/admin/user/999999', { email: 'x@example.com' }).then((r) =>
      expectStatus(r, 404),
    );
  });

  it('rejects bad input with messages at the fields and a 400, saving nothing', async () => {
    const before = await sql<{ n: string }>('SELECT count(*) AS n FROM users');
    const response = expectStatus(
      await post(admin, '/admin/user/add', '/admin/user/add', {
        email: '',
        displayName: 'x'.repeat(151),
        emailVerifiedAt: 'not a date',
        groups: ['abc'],
        _save: '1',
      }),
      400,
    );
    expect(response.text).toContain('Please correct the errors below.');
    expect(response.text).toMatch(/id="err-email"[^>]*>This field is required/);
    expect(response.text).toMatch(/id="err-displayName"[^>]*>Ensure this value has at most 150 characters/);
    expect(response.text).toMatch(/id="err-emailVerifiedAt"[^>]*>Enter a valid date/);
    expect(response.text).toMatch(/id="err-groups"[^>]*>Enter valid ids/);
    // A duplicate (case-insensitively) and a relation that does not exist.
    const duplicate = expectStatus(
      await post(admin, '/admin/user/add', '/admin/user/add', {
        email: superuser.email.toUpperCase(),
        userPermissions: ['99999'],
      }),
      400,
    );
    expect(duplicate.text).toMatch(/id="err-email"[^>]*>User with this email already exists/);
    expect(duplicate.text).toMatch(/id="err-userPermissions"[^>]*>No Permission with id 99999 exists/);
    // The address is held to sign-up's rules, on add and on change.
    for (const [email, message] of [
      ['not-an-email', 'Enter a valid e-mail address, like name@example.com.'],
      ['someone@localhost', 'Enter a valid e-mail address, like name@example.com.'],
      ['p\u0430ypal@example.com', 'which is not a plain ASCII character'],
    ]) {
      const refused = expectStatus(
        await post(admin, '/admin/user/add', '/admin/user/add', { email, displayName: 'Nobody', _save: '1' }),
        400,
      );
      expect({ email, text: refused.text }).toEqual({
        email,
        text: expect.stringMatching(
          new RegExp(`id="err-email"[^>]*>[^<]*${message.replace(/[.()]/g, '\\$&')}`),
        ),
      });
    }
    const change = `/admin/user/${superuser.id}/change`;
    const page = (await admin.get(change).expect(200)).text;
    const changed = await admin
      .post(change)
      .type('form')
      .send({ email: 'not-an-email', displayName: 'x', _version: versionFrom(page), _csrf: csrfFrom(page) });
    expect(changed.status).toBe(400);
    expect(changed.text).toMatch(/id="err-email"[^>]*>Enter a valid e-mail address/);
    expect(await sql<{ n: string }>('SELECT count(*) AS n FROM users')).toEqual(before);
  });

  it('adds, changes (with the changed fields old → new) and keeps secrets out of the log and pages', async () => {
    const [permission] = await sql<{ id: number }>(
      `SELECT id FROM auth_permissions WHERE codename = 'event.view'`,
    );
    const added = expectStatus(
      await post(admin, '/admin/user/add', '/admin/user/add', {
        email: ' New.Person@Example.com ',
        displayName: 'New Person',
        isActive: 'on',
        isStaff: 'on',
        userPermissions: [String(permission.id)],
        _continue: '1',
      }),
      303,
    );
    const [created] = await sql<{ id: number; email: string; is_staff: boolean }>(
      `SELECT id, email, is_staff FROM users WHERE email = 'new.person@example.com'`,
    );
    expect(created.is_staff).toBe(true);
    expect(added.headers.location).toBe(`/admin/user/${created.id}/change`);
    const page = (await admin.get(added.headers.location).expect(200)).text;
    expect(page).toContain('was added successfully');
    expect(page).not.toMatch(/argon2|passwordHash|password_hash/);

    const changed = expectStatus(
      await admin
        .post(`/admin/user/${created.id}/change`)
        .type('form')
        .send({
          _csrf: csrfFrom(page),
          _version: versionFrom(page),
          email: 'new.person@example.com',
          displayName: 'Renamed',
          isActive: 'on',
          _save: '1',
        }),
      303,
    );
    expect(changed.headers.location).toBe('/admin/user');
    const log = await adminLog('User', created.id);
    expect(log.map((entry) => entry.action)).toEqual(['add', 'change']);
    expect(log[0].changes).toMatchObject({
      email: [null, 'new.person@example.com'],
      isStaff: [null, true],
      userPermissions: [[], [permission.id]],
    });
    expect(log[1].changes).toEqual({
      displayName: ['New Person', 'Renamed'],
      isStaff: [true, false],
      userPermissions: [[permission.id], []],
    });
    expect(log[1].user_id).toBe(superuser.id);

    // Set password: validators apply (400 with messages), then the hash changes, logged without values.
    const weak = expectStatus(
      await post(admin, `/admin/user/${created.id}/password`, `/admin/user/${created.id}/password`, {
        password1: '12345678',
        password2: '12345678',
      }),
      400,
    );
    expect(weak.text).toContain('This password is too common.');
    expect(weak.text).toContain('This password is entirely numeric.');
    const mismatch = expectStatus(
      await post(admin, `/admin/user/${created.id}/password`, `/admin/user/${created.id}/password`, {
        password1: 'a long good passphrase 1',
        password2: 'other',
      }),
      400,
    );
    expect(mismatch.text).toContain('didn’t match');
    expectStatus(
      await post(admin, `/admin/user/${created.id}/password`, `/admin/user/${created.id}/password`, {
        password1: 'a long good passphrase 1',
        password2: 'a long good passphrase 1',
      }),
      303,
    );
    const [row] = await sql<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [
      created.id,
    ]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    const after = await adminLog('User', created.id);
    expect(after[2].changes).toEqual({ passwordHash: null });
    const history = (await admin.get(`/admin/user/${created.id}/history`).expect(200)).text;
    expect(history).toContain('New Person → Renamed');
    expect(history).not.toContain(row.password_hash);
    expect(JSON.stringify(await sql('SELECT changes FROM admin_log'))).not.toContain('$argon2');
  });

  it('refuses to save over a newer change (optimistic concurrency), writing nothing', async () => {
    const target = await createUser();
    const page = (await admin.get(`/admin/user/${target.id}/change`).expect(200)).text;
    await sql(
      `UPDATE users SET display_name = 'Someone else', updated_at = now() + interval '1 second' WHERE id = $1`,
      [target.id],
    );
    const response = expectStatus(
      await admin
        .post(`/admin/user/${target.id}/change`)
        .type('form')
        .send({
          _csrf: csrfFrom(page),
          _version: versionFrom(page),
          email: target.email,
          displayName: 'Mine',
          isActive: 'on',
        }),
      409,
    );
    expect(response.text).toContain('was changed by someone else');
    const [row] = await sql<{ display_name: string }>('SELECT display_name FROM users WHERE id = $1', [
      target.id,
    ]);
    expect(row.display_name).toBe('Someone else');
    expect(await adminLog('User', target.id)).toEqual([]);
  });

  it('searches case-insensitively, filters, sorts and paginates the change list', async () => {
    const marker = `zebra${Date.now()}`;
    const staff = await createUser({ email: `${marker}-a@example.com`, staff: true });
    await createUser({ email: `${marker}-b@example.com` });
    const search = (await admin.get(`/admin/user?q=${marker.toUpperCase()}`).expect(200)).text;
    expect(search).toContain(`${marker}-a@example.com`);
    expect(search).toContain(`${marker}-b@example.com`);
    expect(search).toContain('<small>2 Users</small>');
    const filtered = (await admin.get(`/admin/user?q=${marker}&f_isStaff=1`).expect(200)).text;
    expect(filtered).toContain(`${marker}-a@example.com`);
    expect(filtered).not.toContain(`${marker}-b@example.com`);
    const sorted = (await admin.get(`/admin/user?q=${marker}&o=email`).expect(200)).text;
    expect(sorted.indexOf(`${marker}-a@`)).toBeLessThan(sorted.indexOf(`${marker}-b@`));
    const reversed = (await admin.get(`/admin/user?q=${marker}&o=-email`).expect(200)).text;
    expect(reversed.indexOf(`${marker}-b@`)).toBeLessThan(reversed.indexOf(`${marker}-a@`));
    expect(reversed).toContain('aria-sort="descending"');
    // Malformed parameters are ignored, never a 500.
    await admin.get('/admin/user?o=passwordHash&p=-3&f_isStaff=maybe&f_createdAt=yesterday').expect(200);
    await admin.get('/admin/user?p=99999999999').expect(200);
    const today = (await admin.get(`/admin/user?q=${marker}&f_createdAt=today`).expect(200)).text;
    expect(today).toContain(`${marker}-a@`);
    const lookup = await admin.get(`/admin/user/lookup?q=${marker}`).expect(200);
    expect(lookup.body.results).toContainEqual({ id: String(staff.id), label: `${marker}-a@example.com` });
  });

  it('runs a bulk action after a confirmation page, logging the changed field per object', async () => {
    const a = await createUser();
    const b = await createUser();
    await sql('UPDATE users SET email_verified_at = NULL WHERE id = ANY($1)', [[a.id, b.id]]);
    const confirm = expectStatus(
      await post(admin, '/admin/user', '/admin/user/action', {
        action: 'mark_verified',
        _selected_action: [String(a.id), String(b.id)],
      }),
      200,
    );
    expect(confirm.text).toContain('Are you sure?');
    expect(confirm.text).toContain(a.email);
    expect(
      (
        await sql<{ n: string }>(
          'SELECT count(*) AS n FROM users WHERE id = ANY($1) AND email_verified_at IS NOT NULL',
          [[a.id, b.id]],
        )
      )[0].n,
    ).toBe('0');
    const done = expectStatus(
      await admin
        .post('/admin/user/action')
        .type('form')
        .send({
          _csrf: csrfFrom(confirm.text),
          action: 'mark_verified',
          _selected_action: [String(a.id), String(b.id)],
          confirm: 'yes',
        }),
      303,
    );
    expect(done.headers.location).toBe('/admin/user');
    for (const user of [a, b]) {
      const [entry] = await adminLog('User', user.id);
      expect(entry.action).toBe('change');
      expect(entry.message).toBe('Mark e-mail addresses verified');
      expect(Object.keys(entry.changes)).toEqual(['emailVerifiedAt']);
      expect((entry.changes.emailVerifiedAt as unknown[])[0]).toBeNull();
    }
    // Nothing selected: a 400 saying so, nothing done.
    const none = expectStatus(
      await post(admin, '/admin/user', '/admin/user/action', { action: 'deactivate' }),
      400,
    );
    expect(none.text).toContain('Items must be selected');
    // Export CSV.
    const csv = await admin
      .post('/admin/user/action')
      .type('form')
      .send({
        _csrf: csrfFrom(confirm.text),
        action: 'export_csv',
        _selected_action: [String(a.id)],
        confirm: 'yes',
      })
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toContain('E-mail address');
    expect(csv.text).toContain(a.email);
  });

  it('lists related objects on the delete confirmation, then deletes and logs', async () => {
    const target = await createUser();
    await sql(
      `INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES ($1, 'ci', 'abc', repeat('a', 64))`,
      [target.id],
    );
    const confirmation = (await admin.get(`/admin/user/${target.id}/delete`).expect(200)).text;
    expect(confirmation).toContain('These related objects will be deleted too');
    expect(confirmation).toMatch(/API tokens \(user\): 1/);
    expectStatus(
      await admin
        .post(`/admin/user/${target.id}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(confirmation) }),
      303,
    );
    expect(await sql('SELECT id FROM users WHERE id = $1', [target.id])).toEqual([]);
    const [entry] = await adminLog('User', target.id);
    expect(entry).toMatchObject({ action: 'delete', object_repr: target.email, user_id: superuser.id });
    const history = (await admin.get(`/admin/user/${target.id}/history`).expect(200)).text;
    expect(history).toContain('delete');
    const index = (await admin.get('/admin').expect(200)).text;
    expect(index).toContain(target.email);
  });

  it('locks out staff as soon as they are deactivated or lose staff status', async () => {
    const { agent, user } = await loggedIn(app, { staff: true, permissions: ['user.view'] });
    await agent.get('/admin/user').expect(200);
    await sql('UPDATE users SET is_staff = false WHERE id = $1', [user.id]);
    await agent.get('/admin/user').set('Accept', 'text/html').expect(403);
    await sql('UPDATE users SET is_staff = true, is_active = false WHERE id = $1', [user.id]);
    const response = await agent.get('/admin/user').expect(303);
    expect(response.headers.location).toMatch(/^\/accounts\/login/);
  });

  it('applies an action to every matching object across pages (select across), and lists cascades several levels deep', async () => {
    const marker = `across${Date.now()}`;
    const users = await Promise.all(
      [1, 2, 3].map((n) => createUser({ email: `${marker}-${n}@example.com` })),
    );
    const list = (await admin.get(`/admin/user?q=${marker}`).expect(200)).text;
    const confirm = expectStatus(
      await admin
        .post('/admin/user/action')
        .type('form')
        .send({ _csrf: csrfFrom(list), action: 'deactivate', select_across: '1', qs: `q=${marker}` }),
      200,
    );
    expect(confirm.text).toContain('3 Users');
    expectStatus(
      await admin
        .post('/admin/user/action')
        .type('form')
        .send({
          _csrf: csrfFrom(confirm.text),
          action: 'deactivate',
          confirm: 'yes',
          qs: `q=${marker}`,
          _selected_action: users.map((user) => String(user.id)),
        }),
      303,
    );
    const rows = await sql<{ is_active: boolean }>('SELECT is_active FROM users WHERE email LIKE $1', [
      `${marker}-%`,
    ]);
    expect(rows.map((row) => row.is_active)).toEqual([false, false, false]);

    const [event] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       VALUES ($1, 'Cascade', now() + interval '1 day', now() + interval '2 days', 5, now()) RETURNING id`,
      [users[0].id],
    );
    await sql(`INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now())`, [
      event.id,
      users[1].id,
    ]);
    const page = (await admin.get(`/admin/user/${users[0].id}/delete`).expect(200)).text;
    expect(page).toMatch(/Events \(organizer\): 1 \(e\.g\. Cascade\)/);
    expect(page).toMatch(/class="depth-2">RSVPs \(event\): 1/);
  });

  it('deleting a user frees their places (the waitlist moves up) and cancels their events, with e-mails', async () => {
    const [leaving, organizer, waiting, attendee] = [
      await createUser(),
      await createUser(),
      await createUser(),
      await createUser(),
    ];
    const [full] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, going_count, updated_at)
       VALUES ($1, 'Full house', now() + interval '3 days', now() + interval '4 days', 1, 1, now()) RETURNING id`,
      [organizer.id],
    );
    await sql(
      `INSERT INTO rsvps (event_id, user_id, status, responded_at, updated_at)
       VALUES ($1, $2, 'going', now() - interval '1 hour', now()), ($1, $3, 'waitlisted', now(), now())`,
      [full.id, leaving.id, waiting.id],
    );
    const [own] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, going_count, updated_at)
       VALUES ($1, 'Hosted by the leaver', now() + interval '5 days', now() + interval '6 days', 5, 1, now())
       RETURNING id`,
      [leaving.id],
    );
    await sql(`INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now())`, [
      own.id,
      attendee.id,
    ]);

    const confirmation = (await admin.get(`/admin/user/${leaving.id}/delete`).expect(200)).text;
    expectStatus(
      await admin
        .post(`/admin/user/${leaving.id}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(confirmation) }),
      303,
    );
    expect(await sql('SELECT id FROM users WHERE id = $1', [leaving.id])).toEqual([]);
    // The freed place went to the waitlist, and the count stayed true.
    expect(await sql('SELECT going_count FROM events WHERE id = $1', [full.id])).toEqual([
      { going_count: 1 },
    ]);
    expect(
      await sql('SELECT status FROM rsvps WHERE event_id = $1 AND user_id = $2', [full.id, waiting.id]),
    ).toEqual([{ status: 'going' }]);
    const mails = await sql<{ to_address: string; template: string }>(
      `SELECT to_address, template FROM outgoing_emails WHERE to_address IN ($1, $2) ORDER BY template`,
      [waiting.email, attendee.email],
    );
    expect(mails).toEqual([
      { to_address: attendee.email, template: 'event_cancelled' },
      { to_address: waiting.email, template: 'event_promoted' },
    ]);
    expect(await sql('SELECT id FROM events WHERE id = $1', [own.id])).toEqual([]);
    const [entry] = await adminLog('User', leaving.id);
    expect(entry).toMatchObject({ action: 'delete', object_repr: leaving.email });
  });

  it('keeps staff with user.change from granting permissions or touching superuser accounts', async () => {
    const { agent, user } = await loggedIn(app, {
      staff: true,
      permissions: ['user.view', 'user.change', 'user.delete'],
    });
    const own = (await agent.get(`/admin/user/${user.id}/change`).expect(200)).text;
    expect(own).toContain('name="displayName"');
    expect(own).not.toContain('name="isSuperuser"');
    expect(own).not.toContain('name="userPermissions"');
    const [permission] = await sql<{ id: number }>(
      `SELECT id FROM auth_permissions WHERE codename = 'user.add'`,
    );
    expectStatus(
      await agent
        .post(`/admin/user/${user.id}/change`)
        .type('form')
        .send({
          _csrf: csrfFrom(own),
          _version: versionFrom(own),
          email: user.email,
          displayName: 'Me',
          isActive: 'on',
          isStaff: 'on',
          isSuperuser: 'on',
          userPermissions: [String(permission.id)],
        }),
      303,
    );
    const [me] = await sql<{ is_superuser: boolean; display_name: string }>(
      'SELECT is_superuser, display_name FROM users WHERE id = $1',
      [user.id],
    );
    expect(me).toEqual({ is_superuser: false, display_name: 'Me' });
    expect(
      await sql('SELECT 1 FROM auth_user_permissions WHERE user_id = $1 AND permission_id = $2', [
        user.id,
        permission.id,
      ]),
    ).toEqual([]);

    const page = (await agent.get(`/admin/user/${superuser.id}/change`).expect(200)).text;
    expect(page).not.toContain('name="_save"');
    expect(page).not.toContain('/password"');
    expect(page).not.toContain('/delete"');
    const csrf = csrfFrom(page);
    const before = await adminLog('User', superuser.id);
    expectStatus(
      await agent
        .post(`/admin/user/${superuser.id}/change`)
        .type('form')
        .send({ _csrf: csrf, _version: versionFrom(own), email: 'mine@example.com' }),
      403,
    );
    expectStatus(
      await agent
        .post(`/admin/user/${superuser.id}/password`)
        .type('form')
        .send({ _csrf: csrf, password1: 'a long good passphrase 1', password2: 'a long good passphrase 1' }),
      403,
    );
    expectStatus(
      await agent.post(`/admin/user/${superuser.id}/delete`).type('form').send({ _csrf: csrf }),
      403,
    );
    expectStatus(
      await agent
        .post('/admin/user/action')
        .type('form')
        .send({ _csrf: csrf, action: 'deactivate', _selected_action: String(superuser.id), confirm: 'yes' }),
      403,
    );
    const [still] = await sql<{ email: string; is_active: boolean }>(
      'SELECT email, is_active FROM users WHERE id = $1',
      [superuser.id],
    );
    expect(still).toEqual({ email: superuser.email, is_active: true });
    expect(await adminLog('User', superuser.id)).toEqual(before);
  });

  it('setting one’s own password keeps the session; other sessions of that user end', async () => {
    const { agent, user } = await loggedIn(app, { staff: true, superuser: true });
    const other = browser(app);
    expectStatus(await logIn(other, user.email), 303);
    const page = `/admin/user/${user.id}/password`;
    expectStatus(
      await post(agent, page, page, {
        password1: 'another good passphrase 7',
        password2: 'another good passphrase 7',
      }),
      303,
    );
    await agent.get('/admin').expect(200);
    expect((await other.get('/admin').expect(303)).headers.location).toMatch(/^\/accounts\/login/);
  });
});
