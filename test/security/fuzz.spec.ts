import type { IncomingMessage } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getMetadataStorage } from 'class-validator';
import fc from 'fast-check';
import { Pool } from 'pg';
import request from 'supertest';
import { AdminSite } from '../../src/admin/admin-site';
import { filterParam } from '../../src/admin/change-list';
import { csrfFrom, logIn, STRONG_PASSWORD, type Agent } from '../accounts/support';
import { createUser } from '../admin/support';
import { fillPath, nestRoutes, type NestRoute } from '../support/routes';
import { TEST_ENV } from '../support/test-env';
import { startWebApp } from '../support/web-app';
import { corpusFor, requestArbitrary, type FuzzRequest, type FuzzVocabulary } from './fuzz-corpus';

/**
 * Every route Nest serves (read from its router, so a route added tomorrow is fuzzed the day it
 * lands), sent a corpus of malformed requests as an anonymous visitor, a member and staff, each
 * with a valid session and CSRF token (and a bearer token under /api) so requests reach the
 * handlers. Asserted: no 5xx, and no row written by a request that was refused (4xx).
 *
 * The fixed corpus (fuzz-corpus.ts: missing fields, wrong types, huge, deep, NUL, invalid UTF-8,
 * `__proto__` keys, out-of-range ids, impossible dates) runs first; then fast-check generates
 * FUZZ_RUNS more per route and role from a fixed seed (FUZZ_SEED, printed with any failure, so a
 * failure replays exactly: `FUZZ_SEED=<seed> npm test -- test/security/fuzz.spec.ts`).
 *
 * Writes are seen by a row trigger on every table that records the connection's application_name:
 * each role has its own web app (its own pool, named), so the three roles run at once and every
 * write is attributed to the role whose request made it.
 */

// Fixed unless FUZZ_SEED says otherwise (`FUZZ_SEED=random` explores: the seed is printed).
const SEED =
  process.env.FUZZ_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 20_261_201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 6);
type RoleName = 'anonymous' | 'member' | 'staff';
const ROLES: RoleName[] = ['anonymous', 'member', 'staff'];

/** Columns that change on their own (timestamps, last-use marks): not a write by the request. */
const BOOKKEEPING = ['updated_at', 'last_used_at', 'enqueued_at', 'last_login_at'];

/** Body fields handlers read directly, without a DTO (the admin's form controls). */
const FORM_CONTROLS = [
  'action',
  '_selected_action',
  'select_across',
  'confirm',
  'qs',
  '_continue',
  '_addanother',
  '_version',
  'password1',
  'password2',
  'next',
  'q',
  'o',
  'p',
];

const FUTURE = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 16);
const FUTURE_END = new Date(Date.now() + 31 * 86_400_000).toISOString().slice(0, 16);
const BASELINE: Record<string, string> = {
  title: 'Fuzzed gathering',
  description: 'Bring snacks',
  location: 'Hall',
  startsAt: FUTURE,
  endsAt: FUTURE_END,
  timeZone: 'Europe/Paris',
  capacity: '5',
  status: 'draft',
  email: 'fuzz@example.com',
  displayName: 'Fuzz',
  password: STRONG_PASSWORD,
  password2: STRONG_PASSWORD,
  currentPassword: 'not the password',
  name: 'Fuzz token',
  subject: 'Hello everyone',
  message: 'See you there',
  remember: 'on',
  next: '/events',
  q: 'party',
  page: '1',
  pageSize: '10',
};

interface Role {
  name: RoleName;
  app: NestExpressApplication;
  agent: Agent;
  csrf: string;
  bearer?: string;
  email?: string;
}

describe('fuzz: malformed requests to every route, as every kind of user', () => {
  const pool = new Pool({ connectionString: withApplicationName('fuzz_fixtures'), max: 3 });
  const roles = new Map<RoleName, Role>();
  let routes: NestRoute[];
  let vocabulary: FuzzVocabulary;
  let memberId: number;

  beforeAll(async () => {
    await installWriteLog();
    const overrides = (name: RoleName) => ({
      DATABASE_URL: withApplicationName(`fuzz_${name}`),
      // Rate limits would answer 429 before the handler: out of the way, they have their own tests.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_FAILURES_PER_IP: '1000000',
      API_TOKEN_FAILURES_PER_IP: '1000000',
    });
    const apps = await Promise.all(ROLES.map((name) => startWebApp(overrides(name))));
    const [anonymousApp, memberApp, staffApp] = apps;
    // New rows get ids above 100; the fixtures (1-5) are written with their own ids.
    await pool.query(`SELECT setval('users_id_seq', 100), setval('events_id_seq', 100)`);
    const member = await createUser();
    const staff = await createUser({ staff: true, superuser: true });
    memberId = member.id;
    roles.set('anonymous', await anonymousRole(anonymousApp));
    roles.set('member', await signedInRole('member', memberApp, member.email));
    roles.set('staff', await signedInRole('staff', staffApp, staff.email));
    for (const role of [roles.get('member')!, roles.get('staff')!]) {
      role.bearer = await bearerFor(role.name === 'member' ? member.id : staff.id);
    }
    routes = nestRoutes(anonymousApp);
    vocabulary = vocabularyOf(anonymousApp);
    await resetFixtures();
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...roles.values()].map((role) => role.app.close()));
    await removeWriteLog();
    await pool.end();
  });

  it('answers every request with a status below 500, and writes nothing when it refuses', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(60);
    const started = performance.now();
    const counts = new Map<RoleName, number>();
    const corpora = new Map(routes.map((route) => [route, corpusFor(route, vocabulary)]));
    const failures = (
      await Promise.all(
        ROLES.map(async (name) => {
          const role = roles.get(name)!;
          const found: string[] = [];
          for (const route of routes) {
            const seed = seedFor(name, route);
            const corpus = corpora.get(route)!;
            try {
              await fc.assert(
                fc.asyncProperty(requestArbitrary(route, vocabulary), async (fuzz) => {
                  counts.set(name, (counts.get(name) ?? 0) + 1);
                  await check(role, route, fuzz);
                }),
                {
                  seed,
                  // The examples count among the runs: all of them, then RUNS generated ones.
                  numRuns: corpus.length + RUNS,
                  examples: corpus.map((fuzz) => [fuzz]),
                  // Shrinking replays requests; a short bound keeps a failing run readable.
                  interruptAfterTimeLimit: 20_000,
                },
              );
            } catch (error) {
              // fast-check's report names the seed and the counterexample; the cause says what failed.
              const report = (error as Error).message
                .split('\n')
                .filter((line) => /seed|Counterexample/.test(line));
              const cause =
                ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
              found.push(
                `${name} ${route.method.toUpperCase()} ${route.path}\n${report.join('\n')}\n${cause}`,
              );
            }
            // What this route's successes changed (an event cancelled or deleted) is put back.
            await resetFixtures();
          }
          return found;
        }),
      )
    ).flat();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const perRole = ROLES.map((name) => `${name} ${counts.get(name) ?? 0}`).join(', ');
    process.stdout.write(
      `fuzz: ${routes.length} routes; requests per role: ${perRole}; ${seconds} s; FUZZ_SEED=${SEED}\n`,
    );
    // The write log works (successful requests of signed-in roles did write): the refusal check
    // above is not vacuous.
    expect(await writesBy('member')).toBeGreaterThan(0);
    expect(await writesBy('staff')).toBeGreaterThan(0);
    if (failures.length) {
      throw new Error(
        `${failures.length} fuzz failure(s) (replay with FUZZ_SEED=${SEED}):\n\n${failures.join('\n\n')}`,
      );
    }
  }, 240_000);

  /** Sends one request and checks the answer; throws (with the request spelled out) otherwise. */
  async function check(role: Role, route: NestRoute, fuzz: FuzzRequest): Promise<void> {
    const path = fillPath(route.path, fuzz.params) + (fuzz.query ? `?${fuzz.query}` : '');
    const before = await writesBy(role.name);
    const response = await send(role, route.method, path, fuzz);
    const described = () =>
      `${fuzz.label}: ${route.method.toUpperCase()} ${path.slice(0, 300)} ${fuzz.body ? `${fuzz.body.contentType} ${String(fuzz.body.payload).slice(0, 300)}` : ''}`;
    if (response.status >= 500) {
      throw new Error(
        `${response.status} for ${described()}\n${mainText(String(response.body ?? '')).slice(0, 800)}`,
      );
    }
    if (response.status >= 400) {
      const written = (await writesBy(role.name)) - before;
      if (written)
        throw new Error(`refused with ${response.status} but wrote ${written} row(s): ${described()}`);
    }
    // A log-out (or anything else that ends the session) is answered; the role then starts over.
    if (([] as string[]).concat(response.headers['set-cookie'] ?? []).some((c) => /^sessionid=;/.test(c))) {
      const fresh =
        role.name === 'anonymous'
          ? await anonymousRole(role.app)
          : await signedInRole(role.name, role.app, role.email!);
      Object.assign(role, { agent: fresh.agent, csrf: fresh.csrf });
    }
  }

  function send(role: Role, method: NestRoute['method'], path: string, fuzz: FuzzRequest) {
    let call = role.agent[method](path)
      .timeout({ response: 15_000, deadline: 20_000 })
      .set('X-CSRF-Token', role.csrf);
    if (role.bearer && path.startsWith('/api/')) call = call.set('Authorization', `Bearer ${role.bearer}`);
    if (fuzz.body) call = call.set('Content-Type', fuzz.body.contentType).send(fuzz.body.payload);
    // A live stream (text/event-stream: the check-in page's counts) never ends: its status and
    // headers are the answer, and it is closed; every other body is read as text.
    return call
      .buffer(false)
      .parse((response, done) => {
        // In Node, superagent hands its parser the http.IncomingMessage itself.
        const res = response as unknown as IncomingMessage;
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          res.destroy();
          return done(null, '');
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      })
      .ok(() => true);
  }

  async function writesBy(role: RoleName): Promise<number> {
    const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM fuzz.writes WHERE app = $1`, [
      `fuzz_${role}`,
    ]);
    return Number(rows[0].count);
  }

  /** A row trigger on every table recording who wrote (the connection's application_name). */
  async function installWriteLog(): Promise<void> {
    await pool.query(`DROP SCHEMA IF EXISTS fuzz CASCADE`);
    await pool.query(`CREATE SCHEMA fuzz`);
    await pool.query(`CREATE TABLE fuzz.writes (id bigserial PRIMARY KEY, app text, tbl text, op text)`);
    await pool.query(`CREATE TABLE fuzz.permissions AS SELECT * FROM auth_permissions`);
    await pool.query(`
      CREATE FUNCTION fuzz.record_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND to_jsonb(NEW) - '{${BOOKKEEPING.join(',')}}'::text[] = to_jsonb(OLD) - '{${BOOKKEEPING.join(',')}}'::text[] THEN
          RETURN NULL;
        END IF;
        INSERT INTO fuzz.writes (app, tbl, op) VALUES (current_setting('application_name'), TG_TABLE_NAME, TG_OP);
        RETURN NULL;
      END $$`);
    for (const table of await tables()) {
      await pool.query(
        `CREATE TRIGGER fuzz_record_write AFTER INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION fuzz.record_write()`,
      );
    }
  }

  /** Drops the triggers (with the schema), and puts back the permission catalogue staff may have edited. */
  async function removeWriteLog(): Promise<void> {
    await pool.query(`TRUNCATE auth_permissions CASCADE`);
    await pool.query(`INSERT INTO auth_permissions SELECT * FROM fuzz.permissions`);
    await pool.query(`DROP SCHEMA fuzz CASCADE`);
  }

  async function tables(): Promise<string[]> {
    const { rows } = await pool.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
    );
    return rows.map((row) => row.tablename);
  }

  /**
   * Rows the corpus points at (ids 1-5), put back as they were before each route: a request that
   * succeeds may cancel, change or delete them. Users 1-3 are bystanders; the roles' own users have
   * ids above 100, which no generated id names.
   */
  async function resetFixtures(): Promise<void> {
    await pool.query(
      `INSERT INTO users (id, email, display_name, email_verified_at, updated_at)
       SELECT i, 'bystander-' || i || '@example.com', 'Bystander ' || i, now(), now() FROM generate_series(1, 3) i
       ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, is_active = true, is_staff = false, is_superuser = false`,
    );
    // Their RSVPs go too: going_count starts again from 0.
    await pool.query(`DELETE FROM rsvps WHERE event_id <= 5`);
    await pool.query(
      `INSERT INTO events (id, organizer_id, title, description, location, starts_at, ends_at, capacity, status, updated_at)
       VALUES (1, 1, 'Bystander party', '', 'Park', now() + interval '5 days', now() + interval '6 days', 10, 'published', now()),
              (2, 1, 'Bystander draft', '', '', now() + interval '5 days', now() + interval '6 days', NULL, 'draft', now()),
              (3, 2, 'Tiny talk', '', 'Room', now() + interval '7 days', now() + interval '8 days', 1, 'published', now()),
              (4, $1, 'Member meetup', '', 'Cafe', now() + interval '9 days', now() + interval '10 days', 20, 'published', now()),
              (5, $1, 'Member draft', '', '', now() + interval '9 days', now() + interval '10 days', 20, 'draft', now())
       ON CONFLICT (id) DO UPDATE SET organizer_id = EXCLUDED.organizer_id, status = EXCLUDED.status,
         title = EXCLUDED.title, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
         capacity = EXCLUDED.capacity, going_count = 0, cancelled_at = NULL`,
      [memberId],
    );
  }

  async function bearerFor(userId: number): Promise<string> {
    const token = `ept_${randomBytes(32).toString('base64url')}`;
    await pool.query(
      `INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES ($1, 'fuzz', $2, $3)`,
      [userId, token.slice(0, 10), createHash('sha256').update(token).digest('hex')],
    );
    return token;
  }
});

function withApplicationName(name: string): string {
  const url = new URL(TEST_ENV.DATABASE_URL);
  url.searchParams.set('application_name', name);
  return url.toString();
}

/** A browser-like client (cookies kept) of an app that is listening. */
function clientOf(app: NestExpressApplication): Agent {
  const { port } = app.getHttpServer().address() as AddressInfo;
  return request.agent(`http://127.0.0.1:${port}`);
}

async function anonymousRole(app: NestExpressApplication): Promise<Role> {
  const agent = clientOf(app);
  // A session holding a CSRF token, as a visitor who opened a form has.
  const csrf = csrfFrom((await agent.get('/accounts/login')).text);
  return { name: 'anonymous', app, agent, csrf };
}

async function signedInRole(name: RoleName, app: NestExpressApplication, email: string): Promise<Role> {
  const agent = clientOf(app);
  const login = await logIn(agent, email);
  if (login.status !== 303) throw new Error(`${name} could not log in: ${login.status}`);
  const csrf = csrfFrom((await agent.get('/accounts/profile')).text);
  return { name, app, agent, csrf, email };
}

/** Field and parameter names from the app itself: DTO properties, admin form fields and filters. */
function vocabularyOf(app: NestExpressApplication): FuzzVocabulary {
  const storage = getMetadataStorage() as unknown as {
    validationMetadatas: Map<unknown, { propertyName: string }[]>;
  };
  const dtoFields = [...storage.validationMetadatas.values()].flat().map((meta) => meta.propertyName);
  const site = app.get(AdminSite);
  const adminFields = site
    .all()
    .flatMap((info) => [...info.formFields.map((field) => field.name), ...info.filters.map(filterParam)]);
  return {
    fields: [...new Set([...dtoFields, ...adminFields, ...FORM_CONTROLS])].sort(),
    baseline: BASELINE,
    existingIds: ['1', '2', '3', '4', '5'],
    adminModels: site.all().map((info) => info.slug),
  };
}

/** A seed per role and route, derived from FUZZ_SEED: each route gets its own inputs, replayably. */
function seedFor(role: RoleName, route: NestRoute): number {
  const digest = createHash('sha256').update(`${SEED}:${role}:${route.method} ${route.path}`).digest();
  return digest.readInt32LE(0);
}

/** The page's main content as text (an error page's message and, outside production, its stack). */
function mainText(html: string): string {
  const main = /<main[^>]*>([\s\S]*?)<\/main>/.exec(html)?.[1] ?? html;
  return main
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}
