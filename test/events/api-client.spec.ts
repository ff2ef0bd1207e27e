import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiTokensService } from '../../src/accounts/api-tokens.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { freePort, PROJECT_ROOT } from '../support/processes';
import { startWebApp } from '../support/web-app';
import { createUser } from './support';

const run = promisify(execFile);
const bin = (name: string) => join(PROJECT_ROOT, 'node_modules', '.bin', name);

/**
 * What a client of the API does with its OpenAPI document: lint it (Redocly's recommended rules),
 * generate types from it (openapi-typescript), and call the API through them (openapi-fetch). The
 * client below is type-checked and compiled with tsc, then run by Node against the app.
 */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const client = createClient<paths>({ baseUrl: process.env.API_BASE });
const headers = { Authorization: \`Bearer \${process.env.API_TOKEN}\` };

// Offset-less times are wall-clock times in timeZone; capacity is a number.
const created = await client.POST('/api/v1/events', {
  headers,
  body: {
    title: 'Typed client meetup',
    startsAt: '2031-03-01T18:30',
    endsAt: '2031-03-01T21:00',
    timeZone: 'Europe/Paris',
    capacity: 2,
  },
});
if (!created.data) throw new Error(\`create failed: \${JSON.stringify(created.error)}\`);
const id: number = created.data.id;
const changed = await client.PATCH('/api/v1/events/{id}', {
  headers,
  params: { path: { id } },
  body: { capacity: null, endsAt: '2031-03-01T22:00' },
});
// Reading needs no token.
const read = await client.GET('/api/v1/events/{id}', { params: { path: { id } } });
const list = await client.GET('/api/v1/events', { params: { query: { q: 'Typed client meetup' } } });
const refused = await client.POST('/api/v1/events', { headers, body: { title: 'x', startsAt: 'soon', endsAt: '' } });
const going = await client.POST('/api/v1/events/{id}/rsvp', { headers, params: { path: { id } } });
const rsvpStatus: 'going' | 'waitlisted' | undefined = going.data?.status as 'going' | 'waitlisted' | undefined;

console.log(JSON.stringify({
  created: { startsAt: created.data.startsAt, capacity: created.data.capacity },
  changed: changed.data ? { capacity: changed.data.capacity, endsAt: changed.data.endsAt } : 'missing',
  read: { status: read.response.status, title: read.data?.title },
  listed: list.data?.data.map((event) => event.id).includes(id),
  refused: { status: refused.response.status, fields: Object.keys(refused.error?.errors ?? {}).sort() },
  rsvpStatus,
}));
`;

describe('the OpenAPI document, as a client uses it (Redocly lint, openapi-typescript, openapi-fetch)', () => {
  let app: NestExpressApplication;
  let base: string;
  let token: string;
  // Under the project, so tsc and Node find openapi-fetch in node_modules.
  const dir = join(PROJECT_ROOT, 'node_modules', '.cache', `api-client-${process.pid}`);

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await startWebApp({ APP_URL: base }, { port });
    const prisma = app.get(PrismaService);
    token = (await app.get(ApiTokensService).create((await createUser(prisma)).id, 'typed client')).token;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'openapi.json'), await (await fetch(`${base}/api/docs-json`)).text());
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app?.close();
  });

  it('has no errors by Redocly’s recommended rules, and names this installation as its server', async () => {
    let output: string;
    try {
      ({ stdout: output } = await run(bin('redocly'), [
        'lint',
        join(dir, 'openapi.json'),
        '--format',
        'json',
      ]));
    } catch (error) {
      output = (error as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(output) as {
      totals: { errors: number };
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    const errors = report.problems
      .filter((problem) => problem.severity === 'error')
      .map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
    const document = (await (await fetch(`${base}/api/docs-json`)).json()) as { servers: { url: string }[] };
    expect(document.servers.map((server) => server.url)).toEqual([base]);
  }, 60_000);

  it('generates a typed client that type-checks and makes real calls', async () => {
    await run(bin('openapi-typescript'), [join(dir, 'openapi.json'), '--output', join(dir, 'api.d.ts')]);
    writeFileSync(join(dir, 'client.mts'), CLIENT);
    try {
      // Type-checked and compiled to client.mjs (Node strips no types under node_modules).
      await run(bin('tsc'), [
        '--noEmitOnError',
        '--outDir',
        dir,
        '--strict',
        '--skipLibCheck',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        join(dir, 'client.mts'),
      ]);
    } catch (error) {
      // tsc reports type errors on stdout: show them.
      throw new Error(`the generated client does not type-check:\n${(error as { stdout?: string }).stdout}`);
    }
    const { stdout } = await run(process.execPath, [join(dir, 'client.mjs')], {
      env: { ...process.env, API_BASE: base, API_TOKEN: token },
    });
    expect(JSON.parse(stdout)).toEqual({
      // 18:30 in Paris in March (UTC+1).
      created: { startsAt: '2031-03-01T17:30:00.000Z', capacity: 2 },
      changed: { capacity: null, endsAt: '2031-03-01T21:00:00.000Z' },
      read: { status: 200, title: 'Typed client meetup' },
      listed: true,
      refused: { status: 400, fields: ['endsAt', 'startsAt', 'title'] },
      rsvpStatus: 'going',
    });
  }, 240_000);
});
