import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ApiTokensService } from '../../src/accounts/api-tokens.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { startWebApp } from '../support/web-app';
import { createUser } from './support';

const RATE_LIMIT = 40;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('JSON API /api/v1 (bearer tokens, problem+json, rate limit)', () => {
  let app: NestExpressApplication;
  let owner: string;
  let other: string;
  let unverified: string;

  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await startWebApp({ API_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) });
    const prisma = app.get(PrismaService);
    const tokens = app.get(ApiTokensService);
    owner = (await tokens.create((await createUser(prisma)).id, 'owner')).token;
    other = (await tokens.create((await createUser(prisma)).id, 'other')).token;
    unverified = (await tokens.create((await createUser(prisma, { verified: false })).id, 'unverified'))
      .token;
  });
  afterAll(async () => {
    await app.close();
  });

  const validEvent = () => ({
    title: 'API meetup',
    description: 'Talks <b>and</b> pizza',
    location: 'Room 1',
    startsAt: inDays(3),
    endsAt: inDays(3.1),
    capacity: 1,
  });

  it('requires a bearer token (401 problem+json)', async () => {
    for (const auth of [undefined, 'Bearer nope', 'Basic abc']) {
      const req = api().get('/api/v1/events');
      if (auth) req.set('Authorization', auth);
      const response = await req.expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(response.text)).toMatchObject({ status: 401 });
    }
  });

  it('creates, reads, lists (filters, pagination), updates, RSVPs and deletes', async () => {
    const created = await api()
      .post('/api/v1/events')
      .set('Authorization', `Bearer ${owner}`)
      .send(validEvent())
      .expect(201);
    const id = created.body.id as number;
    expect(created.body).toMatchObject({
      title: 'API meetup',
      capacity: 1,
      goingCount: 0,
      status: 'published',
    });

    const read = await api().get(`/api/v1/events/${id}`).set('Authorization', `Bearer ${other}`).expect(200);
    expect(read.body.description).toBe('Talks <b>and</b> pizza');

    const searched = await api()
      .get('/api/v1/events')
      .query({ q: 'pizza', pageSize: 5 })
      .set('Authorization', `Bearer ${other}`)
      .expect(200);
    expect(searched.body).toMatchObject({ page: 1, pageSize: 5 });
    expect(searched.body.data.map((event: { id: number }) => event.id)).toContain(id);
    const filtered = await api()
      .get('/api/v1/events')
      .query({ organizerId: created.body.organizerId, from: inDays(2), to: inDays(4) })
      .set('Authorization', `Bearer ${other}`)
      .expect(200);
    expect(filtered.body.data).toHaveLength(1);
    const outside = await api()
      .get('/api/v1/events')
      .query({ organizerId: created.body.organizerId, from: inDays(5) })
      .set('Authorization', `Bearer ${other}`)
      .expect(200);
    expect(outside.body.data).toHaveLength(0);

    const patched = await api()
      .patch(`/api/v1/events/${id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ capacity: 2, location: 'Room 2' })
      .expect(200);
    expect(patched.body).toMatchObject({ capacity: 2, location: 'Room 2' });

    const rsvp = await api()
      .post(`/api/v1/events/${id}/rsvp`)
      .set('Authorization', `Bearer ${other}`)
      .expect(200);
    expect(rsvp.body).toEqual({ eventId: id, status: 'going', changed: true });
    const again = await api()
      .post(`/api/v1/events/${id}/rsvp`)
      .set('Authorization', `Bearer ${other}`)
      .expect(200);
    expect(again.body.changed).toBe(false);
    const shrink = await api()
      .patch(`/api/v1/events/${id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ capacity: 1 })
      .expect(200);
    expect(shrink.body.goingCount).toBe(1);
    const cancel = await api()
      .delete(`/api/v1/events/${id}/rsvp`)
      .set('Authorization', `Bearer ${other}`)
      .expect(200);
    expect(cancel.body).toEqual({ cancelled: true, promoted: 0 });

    await api().delete(`/api/v1/events/${id}`).set('Authorization', `Bearer ${owner}`).expect(204);
    await api().get(`/api/v1/events/${id}`).set('Authorization', `Bearer ${owner}`).expect(404);
  });

  it("refuses changes to someone else's event (403) and creation by unverified users", async () => {
    const created = await api()
      .post('/api/v1/events')
      .set('Authorization', `Bearer ${owner}`)
      .send(validEvent())
      .expect(201);
    const id = created.body.id as number;
    const patch = await api()
      .patch(`/api/v1/events/${id}`)
      .set('Authorization', `Bearer ${other}`)
      .send({ title: 'Hijacked' })
      .expect(403);
    expect(patch.headers['content-type']).toMatch(/problem\+json/);
    await api().delete(`/api/v1/events/${id}`).set('Authorization', `Bearer ${other}`).expect(403);
    expect((await api().get(`/api/v1/events/${id}`).set('Authorization', `Bearer ${other}`)).body.title).toBe(
      'API meetup',
    );
    await api()
      .post('/api/v1/events')
      .set('Authorization', `Bearer ${unverified}`)
      .send(validEvent())
      .expect(403);
  });

  it('answers bad input with per-field problem+json errors, never a 500; malformed ids are 404', async () => {
    const bad = await api()
      .post('/api/v1/events')
      .set('Authorization', `Bearer ${owner}`)
      .send({ title: 'x', startsAt: 'tomorrow', endsAt: inDays(1), capacity: 0, extra: true })
      .expect(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(bad.text);
    expect(Object.keys(problem.errors).sort()).toEqual(['capacity', 'extra', 'startsAt', 'title']);

    const order = await api()
      .post('/api/v1/events')
      .set('Authorization', `Bearer ${owner}`)
      .send({ ...validEvent(), startsAt: inDays(-1), endsAt: inDays(-2) })
      .expect(400);
    expect(JSON.parse(order.text).errors).toEqual({
      startsAt: ['The event must start in the future.'],
      endsAt: ['The event must end after it starts.'],
    });

    for (const body of ['not json', '[]', '{"title": 5, "capacity": "lots"}']) {
      const response = await api()
        .post('/api/v1/events')
        .set('Authorization', `Bearer ${owner}`)
        .set('Content-Type', 'application/json')
        .send(body);
      expect(response.status).toBe(400);
    }
    const query = await api()
      .get('/api/v1/events')
      .query({ pageSize: 1000, page: 'abc', from: 'yesterday' })
      .set('Authorization', `Bearer ${owner}`)
      .expect(400);
    expect(Object.keys(JSON.parse(query.text).errors).sort()).toEqual(['from', 'page', 'pageSize']);

    for (const path of [
      '/api/v1/events/abc',
      '/api/v1/events/-1',
      '/api/v1/events/99999999999',
      '/api/v1/events/123456789',
    ]) {
      const response = await api().get(path).set('Authorization', `Bearer ${owner}`).expect(404);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
    }
    await api().post('/api/v1/events/123456789/rsvp').set('Authorization', `Bearer ${owner}`).expect(404);
    await api()
      .patch('/api/v1/events/123456789')
      .set('Authorization', `Bearer ${owner}`)
      .send({})
      .expect(404);
  });

  it('rate-limits per token (429 problem+json with Retry-After); other tokens are unaffected', async () => {
    const prisma = app.get(PrismaService);
    const limited = (await app.get(ApiTokensService).create((await createUser(prisma)).id, 'busy')).token;
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 2; i++) {
      statuses.push((await api().get('/api/v1/events').set('Authorization', `Bearer ${limited}`)).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(RATE_LIMIT);
    const refused = await api().get('/api/v1/events').set('Authorization', `Bearer ${limited}`).expect(429);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await api().get('/api/v1/events').set('Authorization', `Bearer ${other}`).expect(200);
  });

  it('publishes the OpenAPI document and UI at /api/docs', async () => {
    const document = await api().get('/api/docs-json').expect(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/events', '/api/v1/events/{id}', '/api/v1/events/{id}/rsvp']),
    );
    expect(document.body.components.securitySchemes).toHaveProperty('bearer');
    const ui = await api().get('/api/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
  });
});
