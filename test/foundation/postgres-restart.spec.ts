import http from 'node:http';
import { ApiTokensService } from '../../src/accounts/api-tokens.service';
import { ensureDatabase, Migrator } from '../../src/database/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createEvent, createUser } from '../events/support';
import { eventually } from '../support/eventually';
import { runHttpLoad } from '../support/http-load';
import { freePort, startProcess, type RunningProcess } from '../support/processes';
import { postgresAvailable, ScratchPostgres } from '../support/scratch-postgres';
import { startWebApp } from '../support/web-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One GET on a connection of its own: fetch would reuse the pool's connection from the set-up,
 * idle for seconds, which the server may be closing (keep-alive timeout) as the request goes out.
 */
function getOnNewConnection(url: string, headers: Record<string, string>) {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(url, { agent: false, headers }, (res) => resolve(res.resume())).on('error', reject);
  });
}

/**
 * PostgreSQL restarts (a fast shutdown: sessions are terminated with 57P01, then connections are
 * refused, then "starting up" 57P03) under load from another process. Every request that needs the
 * database meanwhile is a 503 with Retry-After, never a 500, and the app recovers by itself.
 */
describe('PostgreSQL restarted under load', () => {
  let available = false;
  let postgres: ScratchPostgres;
  let web: RunningProcess;
  let base: string;
  let paths: string[];
  let token: string;

  beforeAll(async () => {
    available = await postgresAvailable();
    if (!available) return;
    postgres = new ScratchPostgres(await freePort());
    await postgres.init();
    const url = postgres.url('ep_restart');
    await ensureDatabase(url);
    await new Migrator(url, MIGRATIONS_DIR).migrate();

    const app = await startWebApp({ DATABASE_URL: url });
    const prisma = app.get(PrismaService);
    const user = await createUser(prisma);
    const [event, other] = await Promise.all([
      createEvent(prisma, user.id, { title: 'Restart picnic', capacity: 1_000 }),
      createEvent(prisma, user.id, { title: 'Restart concert', capacity: 1_000 }),
    ]);
    token = (await app.get(ApiTokensService).create(user.id, 'load')).token;
    await app.close();
    // Reads through Prisma, through prepared statements and the API (token lookup), and RSVP
    // transactions (which lock the event row).
    paths = [
      `/events/${event.id}`,
      '/events?q=concert',
      '/api/v1/events',
      `POST /api/v1/events/${event.id}/rsvp`,
      `DELETE /api/v1/events/${event.id}/rsvp`,
      `/events/${other.id}`,
    ];
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    web = startProcess('src/main.ts', [], {
      PORT: String(port),
      DATABASE_URL: url,
      EVENTS_PAGE_CACHE: 'false',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    });
    await eventually(async () => expect((await fetch(`${base}/health/ready`)).status).toBe(200), 60_000);
  }, 120_000);

  afterAll(async () => {
    await web?.stop('SIGKILL');
    await postgres?.destroy();
  });

  it('answers 503 with Retry-After while it is down, never 500, and recovers', async () => {
    if (!available) {
      process.stdout.write('skipped: initdb/pg_ctl (PostgreSQL server programs) are not installed\n');
      return;
    }
    const load = runHttpLoad(base, paths, {
      connections: 32,
      seconds: 9,
      headers: { Authorization: `Bearer ${token}` },
    });
    await sleep(2_500);
    await postgres.stop();
    const during = await getOnNewConnection(`${base}${paths[0]}`, { Accept: 'text/html' });
    await sleep(1_500);
    await postgres.start();
    const result = await load;

    const errors = web.lines.filter((line) => /"level":50/.test(line));
    const kinds = [
      ...new Set(
        errors.map((line) => {
          const { err } = JSON.parse(line) as { err?: { type?: string; code?: string; message?: string } };
          return `${err?.type} ${err?.code}: ${err?.message?.slice(0, 160)}`;
        }),
      ),
    ];
    process.stdout.write(
      `PostgreSQL restart under load: ${result.requests} responses ${JSON.stringify(result.statuses)}, ` +
        `cut ${JSON.stringify(result.cut)}; error lines: ${errors.length}\n${kinds.join('\n')}\n`,
    );
    expect(during.statusCode).toBe(503);
    expect(during.headers['retry-after']).toBe('30');
    expect(result.statuses['500'] ?? 0).toBe(0);
    expect(Object.keys(result.statuses).filter((status) => Number(status) >= 500)).toEqual(['503']);
    expect(result.statuses['200']).toBeGreaterThan(100);
    expect(errors).toEqual([]);
    await eventually(async () => {
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      expect((await fetch(`${base}${paths[0]}`)).status).toBe(200);
    });
  }, 60_000);
});
