import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ApiTokensService } from '../../src/accounts/api-tokens.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { startWebApp } from '../support/web-app';
import { createEvent, createUser } from './support';

const RATE_LIMIT = 40;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

const PROBLEM_JSON = 'application/problem+json';
const PROBLEM_REF = '#/components/schemas/ProblemDetails';
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

interface SchemaObject {
  type?: string;
  format?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: SchemaObject | boolean;
  items?: SchemaObject;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, { schema?: SchemaObject }>;
  content?: Record<string, { schema?: SchemaObject & { $ref?: string } }>;
}
interface OpenApiDocument {
  paths: Record<
    string,
    Partial<Record<(typeof METHODS)[number], { responses: Record<string, ResponseObject> }>>
  >;
  components: { schemas: Record<string, SchemaObject> };
}

/** Where `value` breaks `schema` (the subset of JSON Schema the document uses), as readable paths. */
function schemaViolations(value: unknown, schema: SchemaObject, path = '$'): string[] {
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${path} is not a string`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path} is not an integer`];
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) => schemaViolations(item, schema.items ?? {}, `${path}[${i}]`))
        : [`${path} is not an array`];
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path} is not an object`];
      const record = value as Record<string, unknown>;
      const problems = (schema.required ?? [])
        .filter((key) => !(key in record))
        .map((key) => `${path}.${key} is missing`);
      for (const [key, item] of Object.entries(record)) {
        const property = schema.properties?.[key];
        if (property) problems.push(...schemaViolations(item, property, `${path}.${key}`));
        else if (typeof schema.additionalProperties === 'object')
          problems.push(...schemaViolations(item, schema.additionalProperties, `${path}.${key}`));
        else if (schema.properties) problems.push(`${path}.${key} is not documented`);
      }
      return problems;
    }
    default:
      return [];
  }
}

describe('JSON API /api/v1 (bearer tokens, problem+json, rate limit)', () => {
  let app: NestExpressApplication;
  let owner: string;
  let other: string;
  let unverified: string;

  const api = () => request(app.getHttpServer());
  /** POST /api/v1/events as the token's user. */
  const postEvent = (token: string, body: object) =>
    api().post('/api/v1/events').set('Authorization', `Bearer ${token}`).send(body);

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

  it('requires a bearer token (401 problem+json), except to read published events', async () => {
    // A token that is sent must be valid, also where none is needed.
    for (const auth of ['Bearer nope']) {
      const req = api().get('/api/v1/events');
      if (auth) req.set('Authorization', auth);
      const response = await req.expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(response.text)).toMatchObject({ status: 401 });
    }
    // Writes too: no cookie is involved, so no CSRF 403 stands in front of the 401.
    for (const auth of [undefined, 'Bearer nope', 'Basic abc']) {
      for (const [method, path] of [
        ['post', '/api/v1/events'],
        ['patch', '/api/v1/events/1'],
        ['delete', '/api/v1/events/1'],
        ['post', '/api/v1/events/1/rsvp'],
        ['delete', '/api/v1/events/1/rsvp'],
      ] as const) {
        const req = api()[method](path);
        if (auth) req.set('Authorization', auth);
        const response = await req.send({});
        expect({ method, path, auth, status: response.status }).toEqual({ method, path, auth, status: 401 });
        expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
      }
    }
  });

  it('creates, reads, lists (filters, pagination), updates, RSVPs and deletes', async () => {
    const created = await postEvent(owner, validEvent()).expect(201);
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

  it('reads and writes times in the event’s time zone; offsets always win', async () => {
    const created = await postEvent(owner, {
      ...validEvent(),
      timeZone: 'Asia/Tokyo',
      startsAt: '2031-03-01T19:00',
      endsAt: '2031-03-01T21:00',
    }).expect(201);
    expect(created.body).toMatchObject({
      timeZone: 'Asia/Tokyo',
      startsAt: '2031-03-01T10:00:00.000Z',
      endsAt: '2031-03-01T12:00:00.000Z',
    });
    const id = created.body.id as number;
    // A PATCH's offset-less time is read in the event's zone; one with an offset is an instant.
    const moved = await api()
      .patch(`/api/v1/events/${id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ startsAt: '2031-03-01T18:00', endsAt: '2031-03-01T23:00:00Z' })
      .expect(200);
    expect(moved.body).toMatchObject({
      startsAt: '2031-03-01T09:00:00.000Z',
      endsAt: '2031-03-01T23:00:00.000Z',
    });
    // Changing only the zone keeps the instants.
    const rezoned = await api()
      .patch(`/api/v1/events/${id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ timeZone: 'Europe/Paris' })
      .expect(200);
    expect(rezoned.body).toMatchObject({ timeZone: 'Europe/Paris', startsAt: '2031-03-01T09:00:00.000Z' });
    const listed = await api()
      .get('/api/v1/events')
      .query({ organizerId: created.body.organizerId, pageSize: 100 })
      .set('Authorization', `Bearer ${owner}`)
      .expect(200);
    expect(listed.body.data.find((event: { id: number }) => event.id === id)).toMatchObject({
      timeZone: 'Europe/Paris',
    });

    const bad = await postEvent(owner, { ...validEvent(), timeZone: 'Mars/Olympus_Mons' }).expect(400);
    expect(bad.body.errors.timeZone).toEqual([expect.stringContaining('time zone')]);
  });

  it('creates events without a capacity (no limit) and lifts a limit with capacity: null', async () => {
    const { capacity: _omitted, ...withoutCapacity } = validEvent();
    const open = await postEvent(owner, withoutCapacity).expect(201);
    expect(open.body.capacity).toBeNull();
    const limited = await postEvent(owner, { ...validEvent(), capacity: 3 }).expect(201);
    const lifted = await api()
      .patch(`/api/v1/events/${limited.body.id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ capacity: null })
      .expect(200);
    expect(lifted.body.capacity).toBeNull();
    const bad = await api()
      .patch(`/api/v1/events/${limited.body.id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ capacity: 0 })
      .expect(400);
    expect(bad.body.errors.capacity).toEqual([expect.stringContaining('or empty for no limit')]);
    // Every failing rule of a field (integer, minimum, maximum) has one message: given once.
    const abc = await postEvent(owner, { ...validEvent(), capacity: 'abc' }).expect(400);
    expect(abc.body.errors).toEqual({
      capacity: ['Capacity must be a whole number from 1 to 100000, or empty for no limit.'],
    });
    const empty = await postEvent(owner, {}).expect(400);
    expect(empty.body.errors).toEqual({
      title: ['Title must be between 3 and 200 characters.'],
      startsAt: ['Enter a valid date and time.'],
      endsAt: ['Enter a valid date and time.'],
    });
    expect(empty.text.split('Title must').length - 1).toBe(1);
  });

  it('drafts: hidden from others (404) and from the list until published; no way back to draft', async () => {
    const draft = await postEvent(owner, { ...validEvent(), title: 'API draft', status: 'draft' }).expect(
      201,
    );
    expect(draft.body.status).toBe('draft');
    const id = draft.body.id as number;
    await api().get(`/api/v1/events/${id}`).set('Authorization', `Bearer ${other}`).expect(404);
    await api().post(`/api/v1/events/${id}/rsvp`).set('Authorization', `Bearer ${other}`).expect(404);
    await api().get(`/api/v1/events/${id}`).set('Authorization', `Bearer ${owner}`).expect(200);
    const listed = async () =>
      (
        await api()
          .get('/api/v1/events')
          .query({ organizerId: draft.body.organizerId, pageSize: 100 })
          .set('Authorization', `Bearer ${other}`)
          .expect(200)
      ).body.data.map((event: { id: number }) => event.id);
    expect(await listed()).not.toContain(id);

    const published = await api()
      .patch(`/api/v1/events/${id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ status: 'published' })
      .expect(200);
    expect(published.body.status).toBe('published');
    expect(await listed()).toContain(id);
    const back = await api()
      .patch(`/api/v1/events/${id}`)
      .set('Authorization', `Bearer ${owner}`)
      .send({ status: 'draft' })
      .expect(400);
    expect(back.body.errors.status).toEqual(['A published event cannot go back to being a draft.']);
    const bogus = await postEvent(owner, { ...validEvent(), status: 'cancelled' }).expect(400);
    expect(bogus.body.errors.status).toEqual(['Status must be "published" or "draft".']);
  });

  it("refuses changes to someone else's event (403) and creation by unverified users", async () => {
    const created = await postEvent(owner, validEvent()).expect(201);
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
    await postEvent(unverified, validEvent()).expect(403);
  });

  it('answers bad input with per-field problem+json errors, never a 500; malformed ids are 404', async () => {
    const bad = await postEvent(owner, {
      title: 'x',
      startsAt: 'tomorrow',
      endsAt: inDays(1),
      capacity: 0,
      extra: true,
    }).expect(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(bad.text);
    expect(Object.keys(problem.errors).sort()).toEqual(['capacity', 'extra', 'startsAt', 'title']);

    const order = await postEvent(owner, {
      ...validEvent(),
      startsAt: inDays(-1),
      endsAt: inDays(-2),
    }).expect(400);
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

  it('reads published events without a token (never as the session user), rate-limited per client address', async () => {
    const prisma = app.get(PrismaService);
    const organizer = await createUser(prisma);
    const published = await createEvent(prisma, organizer.id, { title: 'Open to everyone' });
    const draft = await prisma.event.update({
      where: { id: (await createEvent(prisma, organizer.id)).id },
      data: { status: 'draft' },
    });
    const address = '203.0.113.7'; // its own budget (X-Forwarded-For from loopback is trusted)
    const anonymous = (path: string) => api().get(path).set('X-Forwarded-For', address);
    const list = await anonymous('/api/v1/events?q=everyone').expect(200);
    expect(list.body.data.map((event: { id: number }) => event.id)).toContain(published.id);
    const read = await anonymous(`/api/v1/events/${published.id}`).expect(200);
    expect(read.body).toMatchObject({ id: published.id, title: 'Open to everyone', status: 'published' });
    await anonymous(`/api/v1/events/${draft.id}`).expect(404);
    // The organizer's token sees the draft; writing still needs one.
    const token = (await app.get(ApiTokensService).create(organizer.id, 'mine')).token;
    await anonymous(`/api/v1/events/${draft.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    await api().post('/api/v1/events').set('X-Forwarded-For', address).send({}).expect(401);

    // The budget is per address: RATE_LIMIT calls a minute, then 429 with Retry-After.
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 2; i++) statuses.push((await anonymous('/api/v1/events')).status);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(RATE_LIMIT);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    const refused = await anonymous('/api/v1/events').expect(429);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.detail).toMatch(/per client address without a token/);
    // Another address, and a token from this one, are unaffected.
    await api().get('/api/v1/events').set('X-Forwarded-For', '203.0.113.8').expect(200);
    await anonymous('/api/v1/events').set('Authorization', `Bearer ${token}`).expect(200);
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

  const openApi = async (): Promise<OpenApiDocument> =>
    (await api().get('/api/docs-json').expect(200)).body as OpenApiDocument;

  /** The error statuses the document gives one operation, sorted. */
  const errorStatuses = (document: OpenApiDocument, method: (typeof METHODS)[number], path: string) =>
    Object.keys(document.paths[path]?.[method]?.responses ?? {})
      .filter((status) => Number(status) >= 400)
      .sort();

  it('documents the ProblemDetails schema once, with the fields ErrorFilter sends', async () => {
    const schema = (await openApi()).components.schemas.ProblemDetails;
    expect(schema).toBeDefined();
    expect(schema.type).toBe('object');
    expect(schema.required?.slice().sort()).toEqual(['status', 'title', 'type']);
    expect(schema.properties).toMatchObject({
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      requestId: { type: 'string' },
      errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    });
  });

  it('documents every error of every /api/v1 operation as problem+json referencing ProblemDetails', async () => {
    const document = await openApi();
    const operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, item]) =>
        METHODS.filter((method) => item[method]).map((method) => ({
          method,
          path,
          operation: item[method]!,
        })),
      );
    expect(operations).toHaveLength(7);
    for (const { method, path, operation } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, statuses: Object.keys(operation.responses) }).toEqual({
        where,
        statuses: expect.arrayContaining(['401', '429', '503']),
      });
      // The success response stays as it was (application/json, or no body for 204).
      const success = Object.keys(operation.responses).filter((status) => Number(status) < 300);
      expect({ where, success: success.length }).toEqual({ where, success: 1 });
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        expect({ where, status, types: Object.keys(response.content ?? {}) }).toEqual({
          where,
          status,
          types: [PROBLEM_JSON],
        });
        expect(response.content![PROBLEM_JSON].schema).toEqual({ $ref: PROBLEM_REF });
        expect(response.description).not.toBe('');
      }
      expect(operation.responses['429'].headers).toHaveProperty('Retry-After');
      expect(operation.responses['503'].headers).toHaveProperty('Retry-After');
      expect(operation.responses['401'].headers).toHaveProperty('WWW-Authenticate');
    }

    // What each operation can answer beyond 400/401/413/429/500/503 (every operation: the edge
    // refuses malformed and oversized input), as its code (guards, pipes, services) decides.
    // Reading needs no token: optional security; every operation has a summary.
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method] as { summary?: string; security?: unknown } | undefined;
        if (!operation) continue;
        expect({ path, method, summary: typeof operation.summary }).toEqual({
          path,
          method,
          summary: 'string',
        });
        const reading = method === 'get';
        expect({ path, method, security: operation.security }).toEqual({
          path,
          method,
          security: reading ? [{}, { bearer: [] }] : [{ bearer: [] }],
        });
      }
    }

    const specific: Array<[(typeof METHODS)[number], string, string[]]> = [
      ['post', '/api/v1/events', ['403']],
      ['get', '/api/v1/events', []],
      ['get', '/api/v1/events/{id}', ['404']],
      ['patch', '/api/v1/events/{id}', ['403', '404']],
      ['delete', '/api/v1/events/{id}', ['403', '404']],
      ['post', '/api/v1/events/{id}/rsvp', ['404', '409']],
      ['delete', '/api/v1/events/{id}/rsvp', ['404']],
    ];
    for (const [method, path, statuses] of specific) {
      expect([method, path, errorStatuses(document, method, path)]).toEqual([
        method,
        path,
        [...statuses, '400', '401', '413', '429', '500', '503'].sort(),
      ]);
    }

    // Success documentation is intact.
    const create = document.paths['/api/v1/events'].post!.responses;
    expect(create['201'].content?.['application/json'].schema).toEqual({
      $ref: '#/components/schemas/EventDto',
    });
    expect(
      document.paths['/api/v1/events'].get!.responses['200'].content?.['application/json'].schema,
    ).toEqual({
      $ref: '#/components/schemas/EventPageDto',
    });
  });

  it('answers errors whose bodies match the documented ProblemDetails, at documented statuses', async () => {
    const document = await openApi();
    const schema = document.components.schemas.ProblemDetails;
    const prisma = app.get(PrismaService);
    const ownerId = (await prisma.apiToken.findFirstOrThrow({ where: { name: 'owner' } })).userId;
    const cancelled = await createEvent(prisma, ownerId);
    await prisma.event.update({ where: { id: cancelled.id }, data: { status: 'cancelled' } });
    const id = (await postEvent(owner, validEvent()).expect(201)).body.id as number;

    const cases = [
      {
        method: 'post' as const,
        path: '/api/v1/events',
        response: await postEvent(owner, { ...validEvent(), title: 'x', capacity: 0 }),
        status: 400,
      },
      {
        method: 'get' as const,
        path: '/api/v1/events',
        response: await api()
          .get('/api/v1/events')
          .query({ pageSize: 0 })
          .set('Authorization', `Bearer ${owner}`),
        status: 400,
      },
      {
        method: 'post' as const,
        path: '/api/v1/events',
        response: await api().post('/api/v1/events').send(validEvent()),
        status: 401,
      },
      {
        method: 'post' as const,
        path: '/api/v1/events',
        response: await postEvent(unverified, validEvent()),
        status: 403,
      },
      {
        method: 'delete' as const,
        path: '/api/v1/events/{id}',
        response: await api().delete(`/api/v1/events/${id}`).set('Authorization', `Bearer ${other}`),
        status: 403,
      },
      {
        method: 'get' as const,
        path: '/api/v1/events/{id}',
        response: await api().get('/api/v1/events/abc').set('Authorization', `Bearer ${owner}`),
        status: 404,
      },
      {
        method: 'post' as const,
        path: '/api/v1/events/{id}/rsvp',
        response: await api()
          .post(`/api/v1/events/${cancelled.id}/rsvp`)
          .set('Authorization', `Bearer ${other}`),
        status: 409,
      },
      // Refused at the edge, before the operation: malformed, then oversized.
      {
        method: 'get' as const,
        path: '/api/v1/events/{id}',
        response: await api().get(`/api/v1/events/${id}?x=%00`).set('Authorization', `Bearer ${owner}`),
        status: 400,
      },
      {
        method: 'post' as const,
        path: '/api/v1/events',
        response: await postEvent(owner, { ...validEvent(), description: 'x'.repeat(101 * 1024) }),
        status: 413,
      },
    ];
    for (const { method, path, response, status } of cases) {
      const where = `${method.toUpperCase()} ${path} → ${status}`;
      expect({ where, status: response.status }).toEqual({ where, status });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(errorStatuses(document, method, path)).toContain(String(status));
      const body = JSON.parse(response.text) as Record<string, unknown>;
      expect({ where, violations: schemaViolations(body, schema) }).toEqual({ where, violations: [] });
      expect(body).toMatchObject({ type: 'about:blank', status, instance: expect.any(String) });
    }

    // A validation problem carries the per-field messages the schema documents.
    const validation = JSON.parse(cases[0].response.text) as { errors: Record<string, string[]> };
    expect(Object.keys(validation.errors).sort()).toEqual(['capacity', 'title']);
    expect(validation.errors.title).toEqual(['Title must be between 3 and 200 characters.']);
    // The checker itself refuses what the schema does not allow.
    expect(schemaViolations({ title: 'Bad Request', status: '400', errors: { a: 'b' } }, schema)).toEqual([
      '$.type is missing',
      '$.status is not an integer',
      '$.errors.a is not an array',
    ]);
  });

  it('publishes the OpenAPI document and UI at /api/docs', async () => {
    const document = await api().get('/api/docs-json').expect(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/events', '/api/v1/events/{id}', '/api/v1/events/{id}/rsvp']),
    );
    expect(document.body.components.securitySchemes).toHaveProperty('bearer');
    const ui = await api().get('/api/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
    // Served from here (no CDN), themed for contrast, titled, with our icon.
    expect(ui.text).toContain('<title>Event Planner API</title>');
    expect(ui.text).toContain('/static/api-docs.css');
    expect(ui.text).toContain('/static/js/api-docs.js');
    expect(ui.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.(js|css)/);
    await api().get('/static/api-docs.css').expect(200);
    await api().get('/static/js/api-docs.js').expect(200);
  });
});
