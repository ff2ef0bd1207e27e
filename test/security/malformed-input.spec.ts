import { createHash, randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { csrfFrom, sql, type Agent } from '../accounts/support';
import { loggedIn } from '../admin/support';
import { startWebApp } from '../support/web-app';

/** `{"title":{"a":{"a":…}}}` nested 5,000 levels (about 30 KB), written out. */
const DEEP_JSON = `{"title":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
const DEEP_FORM = `title${'[a]'.repeat(5_000)}=1`;

async function count(table: string): Promise<number> {
  const [row] = await sql<{ count: string }>(`SELECT count(*) FROM ${table}`);
  return Number(row.count);
}

/**
 * The requests of the security review that were answered 500, each now refused at the edge with
 * a 4xx naming what is wrong, and nothing written. (The fuzz suite sends the same kinds of input,
 * and more, to every route.)
 */
describe('malformed input is refused at the edge: 4xx naming the field, nothing written', () => {
  let app: NestExpressApplication;
  let member: Agent;
  let memberCsrf: string;
  let staff: Agent;
  let staffCsrf: string;
  let bearer: string;
  let eventId: number;

  beforeAll(async () => {
    app = await startWebApp();
    const signedIn = await loggedIn(app);
    member = signedIn.agent;
    memberCsrf = csrfFrom((await member.get('/accounts/profile')).text);
    const admin = await loggedIn(app, { staff: true, superuser: true });
    staff = admin.agent;
    staffCsrf = csrfFrom((await staff.get('/admin/user/add')).text);
    bearer = `ept_${randomBytes(32).toString('base64url')}`;
    await sql(`INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES ($1, 'k', $2, $3)`, [
      signedIn.user.id,
      bearer.slice(0, 10),
      createHash('sha256').update(bearer).digest('hex'),
    ]);
    [{ id: eventId }] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       VALUES ($1, 'Mine', now() + interval '3 days', now() + interval '4 days', 10, now()) RETURNING id`,
      [signedIn.user.id],
    );
  });
  afterAll(async () => {
    await app.close();
  });

  const api = () => request(app.getHttpServer());
  const validEvent = {
    title: 'Board games',
    startsAt: '2031-05-01T18:00',
    endsAt: '2031-05-01T22:00',
    timeZone: 'UTC',
  };

  it('NUL bytes in a query: 400 naming the parameter (page and API)', async () => {
    const page = await api().get('/events?q=%00').set('Accept', 'text/html');
    expect(page.status).toBe(400);
    expect(page.text).toContain('The field &quot;q&quot; contains a NUL character');
    const json = await api().get('/api/v1/events?q=%00').set('Authorization', `Bearer ${bearer}`);
    expect(json.status).toBe(400);
    expect(json.headers['content-type']).toMatch(/problem\+json/);
    expect(json.body.errors).toEqual({ q: ['This field contains a NUL character (U+0000).'] });
  });

  it('NUL bytes in any text field: 400 naming the field, on forms, the admin and the API, nothing written', async () => {
    const before = await Promise.all(['events', 'tasks', 'api_tokens', 'users'].map(count));
    const form = (agent: Agent, path: string, csrf: string, body: Record<string, string>) =>
      agent
        .post(path)
        .type('form')
        .set('Accept', 'text/html')
        .send({ ...body, _csrf: csrf });
    const refusals = [
      await form(member, '/events/new', memberCsrf, { ...validEvent, title: 'Board\u0000games' }),
      await form(member, `/events/${eventId}/email`, memberCsrf, { subject: 'Hi\u0000', message: 'x' }),
      await form(member, '/accounts/profile/tokens', memberCsrf, { name: 'ci\u0000' }),
      await form(staff, '/admin/user/add', staffCsrf, { email: 'nul@example.com', displayName: 'N\u0000' }),
      // The profile name used to have its NUL stripped: the same rule as every field now.
      await form(member, '/accounts/profile', memberCsrf, { displayName: 'Ada\u0000' }),
    ];
    expect(refusals.map((response) => response.status)).toEqual([400, 400, 400, 400, 400]);
    for (const [response, field] of refusals.map(
      (r, i) => [r, ['title', 'subject', 'name', 'displayName', 'displayName'][i]] as const,
    )) {
      expect(response.text).toContain(`The field &quot;${field}&quot; contains a NUL character`);
    }
    const bearerCall = (method: 'post' | 'patch', path: string) =>
      api()[method](path).set('Authorization', `Bearer ${bearer}`);
    const created = await bearerCall('post', '/api/v1/events').send({
      ...validEvent,
      location: 'Hall\u0000',
    });
    const patched = await bearerCall('patch', `/api/v1/events/${eventId}`).send({ title: 'x\u0000y' });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual({ location: ['This field contains a NUL character (U+0000).'] });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual({ title: ['This field contains a NUL character (U+0000).'] });
    expect(await Promise.all(['events', 'tasks', 'api_tokens', 'users'].map(count))).toEqual(before);
    expect(await sql('SELECT display_name FROM users WHERE display_name LIKE $1', ['Ada%'])).toEqual([]);
  });

  it('bodies nested 5,000 levels deep (JSON or urlencoded): 400 on forms and the API', async () => {
    const responses = [
      await member.post('/events/new').set('X-CSRF-Token', memberCsrf).type('json').send(DEEP_JSON),
      await member.post('/events/new').set('X-CSRF-Token', memberCsrf).type('form').send(DEEP_FORM),
      await api()
        .post('/api/v1/events')
        .set('Authorization', `Bearer ${bearer}`)
        .type('json')
        .send(DEEP_JSON),
      await api()
        .post('/api/v1/events')
        .set('Authorization', `Bearer ${bearer}`)
        .type('form')
        .send(DEEP_FORM),
      await staff.post('/admin/event/add').set('X-CSRF-Token', staffCsrf).type('json').send(DEEP_JSON),
    ];
    expect(responses.map((response) => response.status)).toEqual([400, 400, 400, 400, 400]);
    expect(responses[2].body.detail).toMatch(/nested too deeply/);
    // Eleven levels below the top is too many, ten are allowed (MAX_INPUT_DEPTH).
    const nested = (depth: number) => `{"title":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const call = (body: string) =>
      api().post('/api/v1/events').set('Authorization', `Bearer ${bearer}`).type('json').send(body);
    expect((await call(nested(11))).body.detail).toMatch(/nested too deeply/);
    expect((await call(nested(10))).body.errors.title).toEqual([
      'Title must be between 3 and 200 characters.',
    ]);
  });

  it('ids beyond their column (int4) are 404 on every kind of route', async () => {
    const revoke = await member
      .post('/accounts/profile/tokens/99999999999999/revoke')
      .type('form')
      .send({ _csrf: memberCsrf });
    expect(revoke.status).toBe(404);
    for (const path of [
      '/events/99999999999999',
      '/events/2147483648/calendar.ics',
      '/events/-1/edit',
      '/admin/event/99999999999999/change',
    ]) {
      expect({ path, status: (await staff.get(path)).status }).toEqual({ path, status: 404 });
    }
    const read = await api().get('/api/v1/events/2147483648').set('Authorization', `Bearer ${bearer}`);
    expect(read.status).toBe(404);
  });

  it('admin fields of the wrong shape (title[x]=1, objects in JSON): 400 at the field, nothing written', async () => {
    const before = await count('events');
    const add = await staff.post('/admin/event/add').type('form').send(`_csrf=${staffCsrf}&title[x]=1`);
    expect(add.status).toBe(400);
    expect(add.text).toMatch(/Enter a single value\./);
    const change = await staff
      .post(`/admin/event/${eventId}/change`)
      .set('X-CSRF-Token', staffCsrf)
      .type('json')
      .send({ title: { x: 1 }, capacity: [1, 2] });
    expect(change.status).toBe(400);
    expect(change.text).toMatch(/Enter a single value\./);
    expect(await count('events')).toBe(before);
    expect(await sql('SELECT title FROM events WHERE id = $1', [eventId])).toEqual([{ title: 'Mine' }]);
  });

  it('malformed multipart bodies (truncated, no boundary): 400, on any form route', async () => {
    for (const [path, agent, csrf] of [
      ['/accounts/login', member, memberCsrf],
      ['/events/new', member, memberCsrf],
    ] as const) {
      for (const [contentType, body] of [
        ['multipart/form-data; boundary=x', ''],
        ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nhal'],
        ['multipart/form-data', '--x--'],
      ]) {
        const response = await agent
          .post(path)
          .set('X-CSRF-Token', csrf)
          .set('Content-Type', contentType)
          .send(body);
        expect({ path, contentType, body, status: response.status }).toEqual({
          path,
          contentType,
          body,
          status: 400,
        });
      }
    }
  });

  it('invalid UTF-8 in bodies, queries and paths: 400', async () => {
    const responses = [
      await member
        .post('/events/new')
        .set('X-CSRF-Token', memberCsrf)
        .type('form')
        .send('title=%FF%FE&startsAt=2031-05-01T18:00'),
      await member
        .post('/events/new')
        .set('X-CSRF-Token', memberCsrf)
        .set('Content-Type', 'application/json')
        .send(Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
      await api().get('/events?q=%C3%28'),
      await api().get('/api/v1/events?q=%FF').set('Authorization', `Bearer ${bearer}`),
      await api().get('/events/%FF'),
      await api().get('/no-such-page/%E2%82'),
    ];
    expect(responses.map((response) => response.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(responses[0].text).toContain('The field &quot;title&quot; is not valid UTF-8.');
    expect(responses[3].body.errors).toEqual({ q: ['This field is not valid UTF-8.'] });
    expect(await sql('SELECT 1 FROM events WHERE title LIKE $1', ['%\uFFFD%'])).toEqual([]);
  });

  it('__proto__, constructor and prototype keys: 400 (they would reach an object’s prototype)', async () => {
    const json = await api()
      .post('/api/v1/events')
      .set('Authorization', `Bearer ${bearer}`)
      .type('json')
      .send('{"__proto__": {"isStaff": true}, "title": "ok"}');
    expect(json.status).toBe(400);
    expect(Object.entries(json.body.errors)).toEqual([
      ['__proto__', ['This field is not an allowed field name.']],
    ]);
    // class-transformer followed `constructor` into the form and crashed (500).
    const login = await member
      .post('/accounts/login')
      .set('X-CSRF-Token', memberCsrf)
      .type('form')
      .send('_csrf[constructor]=x');
    expect(login.status).toBe(400);
    expect(login.text).toContain('_csrf[constructor]');
    expect((await api().get('/events?constructor=1')).status).toBe(400);
  });

  it('a form posted without a body is a form with empty fields (was a 500)', async () => {
    const response = await member
      .post('/accounts/login')
      .set('X-CSRF-Token', memberCsrf)
      .set('Accept', 'text/html');
    expect(response.status).toBe(400);
    expect(response.text).toContain('Enter your e-mail address.');
  });

  it('the admin offers no add form for a model whose required columns it cannot fill (API tokens)', async () => {
    expect((await staff.get('/admin/apitoken')).text).not.toContain('/admin/apitoken/add');
    expect((await staff.get('/admin/apitoken/add')).status).toBe(403);
    const post = await staff.post('/admin/apitoken/add').type('form').send({ _csrf: staffCsrf, name: 'x' });
    expect(post.status).toBe(403);
  });
});
