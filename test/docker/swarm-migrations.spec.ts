import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadCompose, serviceEnvironment } from '../support/compose';
import { eventually } from '../support/eventually';
import { freePort } from '../support/processes';
import { buildProduction } from '../support/production-build';
import { removeProject, spawnCollecting, type OutputProcess } from '../support/project-copy';
import { scratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { TEST_ENV } from '../support/test-env';

const stack = loadCompose('docker-stack.yml');
const PATHS = ['/', '/events', '/accounts/login', '/api/v1/events', '/health/ready'];

/**
 * A swarm has no start order: docker-stack.yml's app and worker replicas, started natively from a
 * production build with the stack's environment and secret files, on a database the deploy's
 * `migrate` job has not migrated yet. Until it has, the web answers 503 "migrations pending"
 * (readiness and every page) and the worker waits; then both become ready. Never a 500.
 */
describe('docker-stack.yml: replicas started before the migration job', () => {
  let root: string;
  let secrets: string;
  let database: ScratchDatabase;
  const replicas: OutputProcess[] = [];
  let worker: OutputProcess;
  let ports: number[];
  let env: (service: string) => Record<string, string>;

  beforeAll(async () => {
    root = buildProduction();
    database = await scratchDatabase('swarm_migrations');
    secrets = mkdtempSync(join(tmpdir(), 'stack-secrets-'));
    const password = new URL(database.url).password;
    const files: Record<string, string> = {
      session_secret: 's'.repeat(48),
      // The scratch database trusts local connections: any password works, one must be there.
      postgres_password: password || 'unused-by-trust-auth',
      smtp_url: 'smtp://127.0.0.1:1',
      metrics_token: 'm'.repeat(32),
    };
    for (const [name, value] of Object.entries(files)) writeFileSync(join(secrets, name), `${value}\n`);
    const databaseUrl = new URL(database.url);
    databaseUrl.password = '';
    env = (service) => ({
      ...Object.fromEntries(
        Object.entries(serviceEnvironment(stack.services[service])).map(([key, value]) => [
          key,
          value.replace(/^\/run\/secrets\//, `${secrets}/`),
        ]),
      ),
      // This machine's services instead of the overlay network's names.
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: TEST_ENV.REDIS_URL,
      TRUST_PROXY: 'loopback',
      // The test environment's own values would clash with the secret files (empty = unset).
      SESSION_SECRET: '',
      SMTP_URL: '',
      METRICS_TOKEN: '',
    });
    ports = [await freePort(), await freePort()];
  }, 240_000);

  afterAll(async () => {
    for (const running of [...replicas, worker]) {
      if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    }
    await database?.drop();
    if (secrets) rmSync(secrets, { recursive: true, force: true });
    if (root) removeProject(root);
  });

  it('503 "migrations pending" until the job has run, then ready; no 500 at any time', async () => {
    for (const port of ports) {
      const replica = spawnCollecting(process.execPath, stack.services.app.command!.slice(1), {
        cwd: root,
        env: { ...env('app'), PORT: String(port) },
      });
      replicas.push(replica);
    }
    worker = spawnCollecting(process.execPath, stack.services.worker.command!.slice(1), {
      cwd: root,
      env: env('worker'),
    });
    await Promise.all(replicas.map((replica) => replica.waitForLine(/Web ready/, { timeoutMs: 60_000 })));

    // Traffic from before the migration until both replicas are ready.
    const statuses = new Map<string, number>();
    let migrated = false;
    let traffic = true;
    const load = (async () => {
      while (traffic) {
        for (const port of ports) {
          for (const path of PATHS) {
            const response = await fetch(`http://127.0.0.1:${port}${path}`, {
              headers: { accept: path.startsWith('/api') ? 'application/json' : 'text/html' },
            });
            const key = `${migrated ? 'after' : 'before'} ${response.status}`;
            statuses.set(key, (statuses.get(key) ?? 0) + 1);
            if (response.status >= 500 && response.status !== 503) {
              throw new Error(
                `${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
              );
            }
          }
        }
      }
    })();

    const ready = await fetch(`http://127.0.0.1:${ports[0]}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'error',
      error: { migrations: { status: 'down', message: 'migrations pending' } },
    });
    const page = await fetch(`http://127.0.0.1:${ports[1]}/events`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(await page.text()).toContain('migrations pending');
    await worker.waitForLine(/Waiting for \d+ migration\(s\)/);
    expect(worker.lines.some((line) => /Worker ready/.test(line))).toBe(false);

    // The deploy's job: the stack's migrate service, its command as declared.
    const migrate = spawnCollecting(process.execPath, stack.services.migrate.command!.slice(1), {
      cwd: root,
      env: env('migrate'),
    });
    expect(await migrate.exited).toBe(0);
    migrated = true;

    await eventually(async () => {
      for (const port of ports)
        expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    }, 15_000);
    await worker.waitForLine(/Worker ready/, { timeoutMs: 30_000 });
    traffic = false;
    await load;

    const home = await fetch(`http://127.0.0.1:${ports[0]}/events`, { headers: { accept: 'text/html' } });
    expect(home.status).toBe(200);
    // Permissions for the models are synced once the schema is current, not skipped at boot.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await eventually(async () => {
        const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM auth_permissions');
        expect(Number(rows[0].count)).toBeGreaterThan(0);
      });
    } finally {
      await client.end();
    }
    process.stdout.write(`swarm migrations: statuses seen ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect([...statuses.keys()].filter((key) => / 5\d\d$/.test(key) && !key.endsWith(' 503'))).toEqual([]);
    expect(statuses.get('before 503')).toBeGreaterThan(0);
  }, 180_000);
});
