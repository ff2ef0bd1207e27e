/**
 * Events pages under load (issue 7), side by side in one run, 32 connections each: the cached home
 * page, the uncached home page, the uncached event page, and a bare `node:http` server returning the
 * same HTML bytes (the ceiling). Prints req/s, p50/p99, each page's share of the ceiling, and SQL
 * queries per request. Targets (1M events): cached home ≥ 25 % of the ceiling, uncached home ≥ 6 %,
 * uncached event page ≥ 8 % with p99 ≤ 25 ms.
 *
 * Uses BENCH_DATABASE_URL (default `event_planner_bench`, shared with the admin bench), migrated,
 * with at least BENCH_EVENTS events (default 1,000,000; generated with `seed --events` when fewer),
 * and BENCH_REDIS_URL (default db 13). The web app runs as real production processes (src/main.ts)
 * on ephemeral ports: one with the page cache, one without (EVENTS_PAGE_CACHE=false).
 *
 * Run: `npm run bench -- events` (BENCH_DURATION seconds per scenario, default 10).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '../src/config/app-config';
import { ensureDatabase, Migrator } from '../src/database/migrator';
import { MIGRATIONS_DIR } from '../src/paths';
import { createWebApp } from '../src/web/web-app';

const ROOT = resolve(__dirname, '..');
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/event_planner_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 32;
const SECRET = randomBytes(24).toString('hex');

interface Scenario {
  name: string;
  port: number;
  paths: string[];
  targetShare?: number;
  targetP99?: number;
  queries?: number;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function prepareDatabase(): Promise<number[]> {
  await ensureDatabase(DATABASE_URL);
  await new Migrator(DATABASE_URL, MIGRATIONS_DIR).migrate();
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    const [{ n }] = (await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows;
    if (Number(n) < EVENTS) {
      console.log(`events: ${n} < ${EVENTS}; generating ${EVENTS - Number(n)} with \`seed --events\`…`);
      const seeded = spawnSync(
        process.execPath,
        [
          '-r',
          'ts-node/register',
          '-r',
          'tsconfig-paths/register',
          'src/cli.ts',
          'seed',
          '--events',
          String(EVENTS - Number(n)),
        ],
        {
          cwd: ROOT,
          stdio: 'inherit',
          env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', DATABASE_URL, REDIS_URL, LOG_LEVEL: 'warn' },
        },
      );
      if (seeded.status !== 0) throw new Error('seeding failed');
      await db.query('VACUUM ANALYZE events');
    }
    const rows = await db.query<{ id: number }>(
      `SELECT id FROM events WHERE status = 'published' AND starts_at > now() + interval '1 day'
       ORDER BY starts_at LIMIT 20000`,
    );
    // Spread over the upcoming range, so most event pages come from disk-cold-ish rows, not one hot row.
    return rows.rows.filter((_, index) => index % 20 === 0).map((row) => row.id);
  } finally {
    await db.end();
  }
}

function startWeb(port: number, cache: boolean): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: 'true',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL,
      REDIS_URL,
      SESSION_SECRET: SECRET,
      EVENTS_PAGE_CACHE: String(cache),
    },
  });
}

function startCeiling(port: number, html: Buffer): ChildProcess {
  const file = join(tmpdir(), `events-bench-${process.pid}.html`);
  writeFileSync(file, html);
  const script = `
    const body = require('node:fs').readFileSync(${JSON.stringify(file)});
    require('node:http').createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
      res.end(body);
    }).listen(${port}, '127.0.0.1');`;
  return spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
}

async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}

async function load(port: number, paths: string[], duration: number): Promise<Result> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        setupRequest: (request) => {
          request.path = paths[next++ % paths.length];
          return request;
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** SQL statements for one request of each page, counted in an in-process app on the same database. */
async function queriesPerRequest(path: string, cache: boolean): Promise<number> {
  const app = await createWebApp(
    loadConfig({
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATABASE_URL,
      REDIS_URL,
      SESSION_SECRET: SECRET,
      EVENTS_PAGE_CACHE: String(cache),
    }),
  );
  await app.listen(0, '127.0.0.1');
  const url = `${await app.getUrl()}${path}`.replace('[::1]', '127.0.0.1');
  try {
    await fetch(url); // warm (and fill the cache)
    const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = prototype.query;
    let count = 0;
    prototype.query = function (this: Client, ...args: unknown[]) {
      count += 1;
      return original.apply(this, args);
    };
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
    } finally {
      prototype.query = original;
    }
    return count;
  } finally {
    await app.close();
  }
}

async function main(): Promise<number> {
  console.log(
    `CPUs: ${cpus().length}, load average: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const eventIds = await prepareDatabase();
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();

  const eventPaths = eventIds.map((id) => `/events/${id}`);
  const queries = {
    cachedHome: await queriesPerRequest('/', true),
    uncachedHome: await queriesPerRequest('/', false),
    uncachedEvent: await queriesPerRequest(eventPaths[0], false),
  };

  const [cachedPort, uncachedPort, ceilingPort] = [await freePort(), await freePort(), await freePort()];
  const processes = [startWeb(cachedPort, true), startWeb(uncachedPort, false)];
  try {
    await waitForHttp(`http://127.0.0.1:${cachedPort}/health/live`);
    await waitForHttp(`http://127.0.0.1:${uncachedPort}/health/live`);
    const home = await fetch(`http://127.0.0.1:${cachedPort}/`);
    const html = Buffer.from(await home.arrayBuffer());
    console.log(
      `home page: ${html.length} bytes; set-cookie: ${home.headers.get('set-cookie') ? 'yes' : 'no'}`,
    );
    processes.push(startCeiling(ceilingPort, html));
    await waitForHttp(`http://127.0.0.1:${ceilingPort}/`);

    const scenarios: Scenario[] = [
      { name: 'bare node:http (ceiling)', port: ceilingPort, paths: ['/'] },
      {
        name: 'home, cached',
        port: cachedPort,
        paths: ['/'],
        targetShare: 0.25,
        queries: queries.cachedHome,
      },
      {
        name: 'home, uncached',
        port: uncachedPort,
        paths: ['/'],
        targetShare: 0.06,
        queries: queries.uncachedHome,
      },
      {
        name: 'event page, uncached',
        port: uncachedPort,
        paths: eventPaths,
        targetShare: 0.08,
        targetP99: 25,
        queries: queries.uncachedEvent,
      },
    ];
    const results: Result[] = [];
    for (const scenario of scenarios) {
      await load(scenario.port, scenario.paths, 2); // warm-up: JIT, connection pools, cache
      results.push(await load(scenario.port, scenario.paths, DURATION));
    }

    const ceiling = results[0].rps;
    let met = true;
    console.log(`\n${CONNECTIONS} connections, ${DURATION} s per scenario, ${EVENTS} events`);
    console.log(
      `${'scenario'.padEnd(26)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ` +
        `${'share'.padStart(7)} ${'target'.padStart(14)} ${'SQL/req'.padStart(8)} ${'errors'.padStart(7)}`,
    );
    scenarios.forEach((scenario, index) => {
      const result = results[index];
      const share = result.rps / ceiling;
      const shareOk = scenario.targetShare === undefined || share >= scenario.targetShare;
      const p99Ok = scenario.targetP99 === undefined || result.p99 <= scenario.targetP99;
      const clean = result.errors === 0 && result.non2xx === 0;
      if (!shareOk || !p99Ok || !clean) met = false;
      const target = scenario.targetShare
        ? `≥${(scenario.targetShare * 100).toFixed(0)}%${scenario.targetP99 ? `, p99≤${scenario.targetP99}` : ''}${shareOk && p99Ok ? ' ok' : ' MISS'}`
        : '';
      console.log(
        `${scenario.name.padEnd(26)} ${result.rps.toFixed(0).padStart(8)} ${String(result.p50).padStart(7)} ` +
          `${String(result.p99).padStart(7)} ${`${(share * 100).toFixed(1)}%`.padStart(7)} ${target.padStart(14)} ` +
          `${(scenario.queries ?? 0).toString().padStart(8)} ${String(result.errors + result.non2xx).padStart(7)}`,
      );
    });
    console.log('For scale: stock Django 3.2 + gunicorn (2 workers) on this machine: 4.8 %, 1.2 %, 2.1 %.');
    return met ? 0 : 1;
  } finally {
    for (const child of processes) child.kill('SIGTERM');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
