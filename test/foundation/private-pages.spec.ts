import type { IncomingMessage } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { csrfFrom, sql, type Agent } from '../accounts/support';
import { loggedIn } from '../admin/support';
import { fillPath, nestRoutes } from '../support/routes';
import { startWebApp } from '../support/web-app';

const noStore = (response: request.Response) => /\bno-store\b/.test(response.headers['cache-control'] ?? '');

/**
 * The response's headers, with the body read only when it ends: a live stream (text/event-stream,
 * e.g. the check-in page's counts) never does, so it is closed once its headers are here.
 */
const headersOf = (pending: request.Test) =>
  pending.buffer(false).parse((response, done) => {
    // In Node, superagent hands its parser the http.IncomingMessage itself.
    const res = response as unknown as IncomingMessage;
    if (String(res.headers['content-type']).startsWith('text/event-stream')) {
      res.destroy();
      return done(null, null);
    }
    res.resume();
    res.on('end', () => done(null, null));
  });

describe('Cache-Control: no-store on every private response, decided in one place', () => {
  let app: NestExpressApplication;
  let member: Agent;
  let staff: Agent;
  let values: Record<string, string>;
  let bearer: string;

  beforeAll(async () => {
    app = await startWebApp();
    const owner = await loggedIn(app, { staff: true, superuser: true });
    staff = owner.agent;
    const other = await loggedIn(app);
    member = other.agent;
    const [event] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       VALUES ($1, 'Private test', now() + interval '3 days', now() + interval '4 days', 10, now()) RETURNING id`,
      [owner.user.id],
    );
    const [task] = await sql<{ id: string }>(
      `INSERT INTO tasks (id, owner_id, event_id, kind, status, progress, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'email_attendees', 'succeeded', 100, now()) RETURNING id`,
      [owner.user.id, event.id],
    );
    values = { id: String(event.id), model: 'event', token: 'x'.repeat(43) };
    bearer = `ept_${randomBytes(32).toString('base64url')}`;
    await sql(`INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES ($1, 't', $2, $3)`, [
      owner.user.id,
      bearer.slice(0, 10),
      createHash('sha256').update(bearer).digest('hex'),
    ]);
    values.task = task.id;
  });
  afterAll(async () => {
    await app.close();
  });

  it('every page a signed-in user gets (account, profile, admin, organizer tools, tasks) is no-store', async () => {
    const routes = nestRoutes(app).filter((route) => route.method === 'get');
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const missing: string[] = [];
    for (const route of routes) {
      // Tasks are named by UUID; every other `:id` here is the event's (or a 404, no-store all the same).
      const path = fillPath(route.path, route.path.startsWith('/tasks/') ? { id: values.task } : values);
      for (const [who, agent] of [
        ['member', member],
        ['staff', staff],
      ] as const) {
        const response = await headersOf(
          path.startsWith('/api/')
            ? request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${bearer}`)
            : agent.get(path),
        );
        if (!noStore(response))
          missing.push(`${who} GET ${path} → ${response.status} ${response.headers['cache-control']}`);
      }
    }
    expect(missing).toEqual([]);
    // The Bull Board dashboard (an Express router, not a Nest route) too.
    expect(noStore(await staff.get('/admin/queues'))).toBe(true);
  });

  it('the page showing a new API token, and form pages for visitors (a CSRF token), are no-store', async () => {
    const csrf = csrfFrom((await member.get('/accounts/profile')).text);
    const created = await member
      .post('/accounts/profile/tokens')
      .type('form')
      .send({ _csrf: csrf, name: 'CI' });
    expect(created.status).toBe(201);
    expect(created.text).toMatch(/ept_[\w-]{43}/);
    expect(created.headers['cache-control']).toBe('no-store');
    for (const page of ['/accounts/login', '/accounts/signup', '/accounts/password-reset']) {
      const response = await request(app.getHttpServer()).get(page);
      expect({ page, cacheControl: response.headers['cache-control'] }).toEqual({
        page,
        cacheControl: 'no-store',
      });
    }
    // A route's own policy is kept, with no-store added (the calendar file revalidates).
    const calendar = await staff.get(`/events/${values.id}/calendar.ics`);
    expect(calendar.headers['cache-control']).toBe('no-store, no-cache');
  });

  it('public pages for visitors without a session stay cacheable', async () => {
    for (const page of ['/', `/events/${values.id}`, `/events/${values.id}/calendar.ics`, '/health/live']) {
      const response = await request(app.getHttpServer()).get(page);
      expect(response.status).toBe(200);
      expect({ page, noStore: noStore(response) }).toEqual({ page, noStore: false });
    }
  });
});
