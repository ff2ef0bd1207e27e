import http from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';
import request from 'supertest';
import { EventsCache } from '../../src/events/events.cache';
import { HttpDrain } from '../../src/web/http-drain';
import { sql } from '../accounts/support';
import { eventually } from '../support/eventually';
import { freePort } from '../support/processes';
import { ScratchRedis } from '../support/scratch-redis';
import { baseUrlOf, startWebApp } from '../support/web-app';

const PAGE_KEY = (id: number) => `cache:copies:events:html:event:${id}:en`;

async function newEvent(title: string): Promise<number> {
  const [{ id }] = await sql<{ id: number }>(
    `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
     SELECT id, $1, now() + interval '3 days', now() + interval '3 days 2 hours', 5, now()
     FROM users ORDER BY id LIMIT 1 RETURNING id`,
    [title],
  );
  return id;
}

/** Header values that differ between two answers of the same page. */
const comparable = (headers: Record<string, string>) => {
  const { date: _date, 'x-request-id': _id, 'x-page-cache': _hit, ...rest } = headers;
  return rest;
};

describe('anonymous page cache: copies in each process memory, kept exact by Redis (two web apps)', () => {
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  let redis: Redis;
  // A Redis server of its own: this suite watches every command (MONITOR), lists and kills clients,
  // and the copies' invalidations (client tracking, pub/sub) span a server's dbs; suites running at
  // the same time in other Jest workers share the test Redis server, on other dbs.
  let server: ScratchRedis;

  beforeAll(async () => {
    server = new ScratchRedis(await freePort());
    await server.start();
    a = await startWebApp({ REDIS_URL: server.url });
    b = await startWebApp({ REDIS_URL: server.url });
    redis = new Redis(server.url);
    await sql(
      `INSERT INTO users (email, display_name, updated_at) VALUES ('page-cache@example.com', 'Organizer', now())`,
    );
  });
  afterAll(async () => {
    redis.disconnect();
    await Promise.all([a.close(), b.close()]);
    await server.kill();
  });

  const get = (app: NestExpressApplication, path: string) =>
    request(app.getHttpServer()).get(path).expect(200);
  /**
   * Requests `path` until it is answered from the cache: the render stores the page in Redis after
   * answering, and the first hit copies it into memory.
   */
  const untilHit = async (app: NestExpressApplication, path: string) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      if ((await get(app, path)).headers['x-page-cache'] === 'hit') return;
    }
    throw new Error(`${path} was never answered from the cache`);
  };

  it('a hit sends the same headers and bytes as the rendered page, with its own request id', async () => {
    const id = await newEvent('Headers on a hit');
    const rendered = await get(a, `/events/${id}`);
    expect(rendered.headers['x-page-cache']).toBeUndefined();
    const hit = await request(a.getHttpServer())
      .get(`/events/${id}`)
      .set('X-Request-Id', 'req-42')
      .expect(200);
    expect(hit.headers['x-page-cache']).toBe('hit');
    expect(hit.text).toBe(rendered.text);
    expect(comparable(hit.headers)).toEqual(comparable(rendered.headers));
    expect(hit.headers['content-security-policy']).toContain("default-src 'self'");
    expect(hit.headers['x-request-id']).toBe('req-42');
    const generated = await get(a, `/events/${id}`);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers['x-request-id']).not.toBe(rendered.headers['x-request-id']);
    const head = await request(a.getHttpServer()).head(`/events/${id}`).expect(200);
    expect(head.headers['content-length']).toBe(rendered.headers['content-length']);
    const metrics = await get(a, '/metrics');
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="page-cache",status="200"\} [1-9]/,
    );
  });

  it('answers a hit from memory, without a Redis command', async () => {
    const id = await newEvent('From memory');
    await untilHit(a, `/events/${id}`); // rendered and stored in Redis, then read and copied into memory
    // Copied again if the invalidation for the render's own write arrived just after that read.
    await get(a, `/events/${id}`);
    const monitor = await redis.duplicate().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
    try {
      for (let i = 0; i < 5; i++) expect((await get(a, `/events/${id}`)).headers['x-page-cache']).toBe('hit');
      // Every command sent before this one has reached the monitor once this one has.
      const seen = new Promise<void>((resolve) =>
        monitor.on(
          'monitor',
          (_time: string, args: string[]) => args[1] === 'page-cache-sentinel' && resolve(),
        ),
      );
      await redis.echo('page-cache-sentinel');
      await seen;
      expect(commands.filter((command) => command.includes(PAGE_KEY(id)))).toEqual([]);
    } finally {
      monitor.disconnect();
    }
  });

  it("another process's change shows on the next request, as does a write, delete or flush straight to Redis", async () => {
    const id = await newEvent('Before the change');
    await get(a, `/events/${id}`);
    await get(a, `/events/${id}`);
    expect((await get(a, `/events/${id}`)).text).toContain('Before the change');

    // b changes the event and invalidates: a drops its copy when Redis tells it.
    await sql(`UPDATE events SET title = 'Changed by the other process' WHERE id = $1`, [id]);
    await b.get(EventsCache).invalidate(id);
    const afterChange = await get(a, `/events/${id}`);
    expect(afterChange.headers['x-page-cache']).toBeUndefined();
    expect(afterChange.text).toContain('Changed by the other process');

    // Anyone writing the key: the next hit is the new bytes.
    await get(a, `/events/${id}`);
    await redis.set(PAGE_KEY(id), '<p>written straight to Redis</p>', 'PX', 60_000);
    expect((await get(a, `/events/${id}`)).text).toBe('<p>written straight to Redis</p>');
    await redis.del(PAGE_KEY(id));
    expect((await get(a, `/events/${id}`)).headers['x-page-cache']).toBeUndefined();
    await get(a, `/events/${id}`);
    await redis.flushdb();
    expect((await get(a, `/events/${id}`)).headers['x-page-cache']).toBeUndefined();
  });

  it('while the invalidation connection is down, serves nothing from memory; tracks again once it is back', async () => {
    const id = await newEvent('Tracked across reconnects');
    await get(a, `/events/${id}`);
    await get(a, `/events/${id}`);
    // Cut every subscriber (a's and b's): changes made meanwhile reach no process.
    await redis.client('KILL', 'TYPE', 'pubsub');
    await redis.set(PAGE_KEY(id), '<p>changed while nobody listened</p>', 'PX', 60_000);
    expect((await get(a, `/events/${id}`)).text).toBe('<p>changed while nobody listened</p>');

    // Back: every reader (a's; b has read nothing) tracks again, redirected to a listening subscriber.
    await eventually(async () => {
      const clients = String(await redis.client('LIST')).split('\n');
      const subscribers = clients
        .filter((line) => / name=event-planner:tracked-copies-invalidations .* sub=1 /.test(line))
        .map((line) => /^id=(\d+) /.exec(line)?.[1]);
      const readers = clients.filter((line) => / name=event-planner:tracked-copies /.test(line));
      expect(readers).toHaveLength(1);
      for (const reader of readers) {
        expect(reader).toMatch(/ flags=\S*t/);
        expect(subscribers).toContain(/ redir=(\d+)/.exec(reader)?.[1]);
      }
    });
    await get(a, `/events/${id}`); // copied again
    await redis.set(PAGE_KEY(id), '<p>changed after the reconnect</p>', 'PX', 60_000);
    expect((await get(a, `/events/${id}`)).text).toBe('<p>changed after the reconnect</p>');
  });

  it('a hit while the server drains (SIGTERM) tells the client to close the connection', async () => {
    const id = await newEvent('Hit during a drain');
    const app = await startWebApp({ REDIS_URL: server.url });
    try {
      const drain = new HttpDrain(app.getHttpServer());
      const base = baseUrlOf(app);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = () =>
        new Promise<http.IncomingMessage>((resolve, reject) =>
          http
            .get(`${base}/events/${id}`, { agent }, (res) => res.resume().on('end', () => resolve(res)))
            .on('error', reject),
        );
      await untilHit(app, `/events/${id}`);
      expect((await get()).headers.connection).toBe('keep-alive');
      const closed = drain.close(Date.now() + 5_000);
      const during = await get();
      expect(during.headers['x-page-cache']).toBe('hit');
      expect(during.headers.connection).toBe('close');
      await closed;
      agent.destroy();
    } finally {
      await app.close();
    }
  });
});
