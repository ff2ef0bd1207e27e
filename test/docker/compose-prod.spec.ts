import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { ComposeProject, copyCheckout, describeWhenComposeRuns } from '../support/compose-project';
import { loadCompose } from '../support/compose';
import { eventually } from '../support/eventually';
import { startHttpLoad } from '../support/http-load';
import { freePort, PROJECT_ROOT } from '../support/processes';
import { removeProject } from '../support/project-copy';

const MINUTE = 60_000;
// Its own fully qualified tags: a short name may resolve to another image of that name. One per
// checkout (the engine may be shared by several on this machine, running at once), the same on
// every run of this one, so its layers are reused.
const CHECKOUT_TAG = `prod-${createHash('sha256').update(PROJECT_ROOT).digest('hex').slice(0, 8)}`;
const TEST_PROD_IMAGE = `docker.io/library/event-planner-test:${CHECKOUT_TAG}`;
const TEST_BACKUP_IMAGE = `docker.io/library/event-planner-test-backup:${CHECKOUT_TAG}`;

interface Inspected {
  State: { StartedAt: string; FinishedAt: string; ExitCode: number; Status: string };
}
const inspect = (container: string) =>
  (JSON.parse(execFileSync('docker', ['inspect', container], { encoding: 'utf8' })) as Inspected[])[0];

const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);

const { describe: composeDescribe, title } = describeWhenComposeRuns(
  'docker-compose.prod.yml, run as an operator does',
);

/**
 * The production stack for real: images built from Dockerfile.prod, migrate and collectstatic
 * once, two app replicas behind Caddy, two workers, PostgreSQL and Redis on volumes. Mail goes to
 * a Mailpit added by test/docker/compose.prod-test.yml (the only addition to the operator's file).
 */
composeDescribe(title, () => {
  const suffix = randomBytes(3).toString('hex');
  let checkout: string;
  let compose: ComposeProject;
  let proxy: string;
  let mailpit: string;
  const figures: string[] = [];
  const services = loadCompose('docker-compose.prod.yml').services;

  beforeAll(async () => {
    checkout = copyCheckout();
    const [http, https, mail] = [await freePort(), await freePort(), await freePort()];
    proxy = `http://127.0.0.1:${http}`;
    mailpit = `http://127.0.0.1:${mail}`;
    compose = new ComposeProject(
      checkout,
      `ep-prod-${suffix}`,
      ['docker-compose.prod.yml', 'test/docker/compose.prod-test.yml'],
      {
        APP_URL: 'https://events.example.test',
        POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
        SESSION_SECRET: randomBytes(32).toString('base64'),
        SMTP_URL: 'smtp://mailpit:1025',
        MAIL_FROM: 'Event Planner <events@example.test>',
        HTTP_PORT: String(http),
        HTTPS_PORT: String(https),
        MAILPIT_UI_PORT: String(mail),
        APP_IMAGE: TEST_PROD_IMAGE,
        BACKUP_IMAGE: TEST_BACKUP_IMAGE,
      },
    );
  });

  afterAll(async () => {
    await compose?.run(['down', '-v', '--timeout', '5'], { timeoutMs: 2 * MINUTE }).catch(() => undefined);
    if (checkout) removeProject(checkout);
    if (figures.length) process.stdout.write(`compose prod figures:\n  ${figures.join('\n  ')}\n`);
  });

  const named = async (service: string) =>
    (await compose.containers()).filter((container) => container.service === service);

  it(
    'docker compose up -d --build --wait: migrate and collectstatic exit 0, two healthy app replicas',
    async () => {
      const up = await compose.ok(['up', '-d', '--build', '--wait'], { timeoutMs: 25 * MINUTE });
      figures.push(`up -d --build --wait: ${(up.ms / 1000).toFixed(1)} s to healthy (build included)`);
      const containers = await compose.containers();
      const byService = (service: string) => containers.filter((c) => c.service === service);
      for (const once of ['migrate', 'collectstatic']) {
        expect(byService(once).map(({ state, exitCode }) => ({ state, exitCode }))).toEqual([
          { state: 'exited', exitCode: 0 },
        ]);
      }
      expect(byService('app').map((c) => c.health)).toEqual(['healthy', 'healthy']);
      expect(byService('worker').map((c) => c.state)).toEqual(['running', 'running']);
      for (const service of ['proxy', 'db', 'redis']) expect(byService(service)[0]?.state).toBe('running');
    },
    30 * MINUTE,
  );

  it('the image: user node, tini as PID 1, its health check; size', () => {
    const [image] = JSON.parse(
      execFileSync('docker', ['image', 'inspect', TEST_PROD_IMAGE], {
        encoding: 'utf8',
      }),
    ) as Array<{
      Size: number;
      Config: { User: string; Entrypoint: string[]; Healthcheck?: { Test: string[] } };
    }>;
    expect(image.Config.User).toBe('node');
    expect(image.Config.Entrypoint).toEqual(['/usr/bin/tini', '--']);
    figures.push(`production image: ${Math.round(image.Size / 1e6)} MB`);
  });

  it('migrate ran once, and had exited before any app replica started', async () => {
    const [migrate] = await named('migrate');
    const finished = Date.parse(inspect(migrate.name).State.FinishedAt);
    for (const app of await named('app')) {
      expect(Date.parse(inspect(app.name).State.StartedAt)).toBeGreaterThanOrEqual(finished);
    }
    const logs = await compose.ok(['logs', '--no-color', 'migrate']);
    expect(logs.stdout).toMatch(/Applied \d+ migration\(s\)\./);
  });

  it(
    "check --deploy passes on the operator's settings (run --rm app)",
    async () => {
      const check = await compose.ok(['run', '--rm', 'app', 'node', 'dist/cli.js', 'check', '--deploy'], {
        timeoutMs: 3 * MINUTE,
      });
      expect(check.stdout).toContain('System check identified no issues (deploy).');
    },
    4 * MINUTE,
  );

  /** How many of `ids` each app replica logged (its request log line carries the request id). */
  const servedBy = async (ids: string[]) => {
    const { stdout } = await compose.ok(['logs', '--no-color', 'app', 'worker']);
    const counts: Record<string, number> = {};
    for (const line of stdout.split('\n')) {
      // "app-1  | {…"req":{"id":"…"}…}": one line per request, prefixed by its replica (and, from
      // Compose, by an erase-line code even with --no-color: no ^ anchor).
      const [, replica, id] = /(app-\d+) +\|.*"req":\{"id":"([^"]+)"/.exec(line) ?? [];
      if (replica && ids.includes(id)) counts[replica] = (counts[replica] ?? 0) + 1;
    }
    return counts;
  };

  it(
    'both app replicas serve requests through the proxy (their logs, by request id)',
    async () => {
      // The log-in page: rendered for every request. The public pages are answered from the
      // anonymous page cache once warm, which writes no request log line.
      const ids = Array.from({ length: 20 }, (_, i) => `rr-${suffix}-${i}`);
      for (const id of ids) {
        const response = await fetch(`${proxy}/accounts/login`, {
          headers: { 'x-request-id': id, accept: 'text/html' },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('server')).toBe('Caddy');
        // Caddy passes the caller's request id to the replica, and its answer back.
        expect(response.headers.get('x-request-id')).toBe(id);
      }
      let counts: Record<string, number> = {};
      await eventually(async () => {
        counts = await servedBy(ids);
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(ids.length);
      }, 30_000);
      figures.push(`requests per replica through Caddy: ${Object.values(counts).join(' / ')}`);
      expect(Object.values(counts)).toEqual([expect.any(Number), expect.any(Number)]);
      expect(Object.values(counts).every((count) => count > 0)).toBe(true);
    },
    2 * MINUTE,
  );

  it(
    'docker/rollout.sh app under load through Caddy: each replica replaced, new one first; no non-2xx',
    async () => {
      const before = (await named('app')).map(({ name }) => name);
      const load = startHttpLoad(proxy, ['/events', '/accounts/login', '/events?page=2'], { connections: 8 });
      const rollout = await compose.spawnIn('bash', ['docker/rollout.sh', ...compose.options, 'app'], {
        timeoutMs: 10 * MINUTE,
      });
      const result = await load.stop();
      expect(rollout).toMatchObject({ code: 0 });
      const nonSuccess = Object.entries(result.statuses).filter(([status]) => !status.startsWith('2'));
      figures.push(
        `rolling replacement of both app replicas: ${(rollout.ms / 1000).toFixed(1)} s, ` +
          `${result.requests} requests, ${nonSuccess.reduce((sum, [, n]) => sum + n, 0)} non-2xx, ` +
          `slowest ${result.slowestMs} ms`,
      );
      expect({ nonSuccess, refused: result.refused, cut: result.cut }).toEqual({
        nonSuccess: [],
        refused: 0,
        cut: {},
      });
      expect(result.requests).toBeGreaterThan(100);
      const after = await named('app');
      expect(after.map(({ health }) => health)).toEqual(['healthy', 'healthy']);
      expect(after.filter(({ name }) => before.includes(name))).toEqual([]);
      // Each old replica drained and exited 0 on its SIGTERM, after its successor was healthy.
      expect(rollout.stdout.match(/healthy after \d+ s; .* stopped in \d+ s, exit 0$/gm)).toHaveLength(2);
    },
    12 * MINUTE,
  );

  it(
    'a worker delivers mail (sendtestemail in the app container → Mailpit)',
    async () => {
      const address = `prod-compose-${suffix}@example.com`;
      const sent = await compose.ok(
        ['exec', '-T', 'app', 'node', 'dist/cli.js', 'sendtestemail', address, '--wait', '60'],
        { timeoutMs: 2 * MINUTE },
      );
      expect(sent.stdout).toContain(`Delivered to ${address}`);
      const { messages } = (await (await fetch(`${mailpit}/api/v1/messages`)).json()) as {
        messages: Array<{ To: Array<{ Address: string }> }>;
      };
      expect(messages.some((m) => m.To.some((to) => to.Address === address))).toBe(true);
    },
    3 * MINUTE,
  );

  it(
    'a queued job survives down/up (Redis AOF volume); the second up finds no pending migration',
    async () => {
      expect(
        (await compose.ok(['exec', '-T', 'redis', 'redis-cli', 'CONFIG', 'GET', 'appendonly'])).stdout,
      ).toMatch(/appendonly\s+yes/);
      await compose.ok(['stop', 'worker'], { timeoutMs: 2 * MINUTE });
      const address = `survives-${suffix}@example.com`;
      const queued = await compose.ok(['exec', '-T', 'app', 'node', 'dist/cli.js', 'sendtestemail', address]);
      expect(queued.stdout).toContain(`Queued a test e-mail to ${address}`);
      const waiting = await compose.ok(['exec', '-T', 'redis', 'redis-cli', 'LLEN', 'bull:mail:wait']);
      expect(Number(waiting.stdout.trim())).toBeGreaterThanOrEqual(1);

      await compose.ok(['down'], { timeoutMs: 3 * MINUTE });
      const up = await compose.ok(['up', '-d', '--wait'], { timeoutMs: 10 * MINUTE });
      figures.push(
        `second up -d --wait (images built, volumes kept): ${(up.ms / 1000).toFixed(1)} s to healthy`,
      );
      expect((await compose.ok(['logs', '--no-color', 'migrate'])).stdout).toContain(
        'No pending migrations.',
      );
      // Mailpit starts empty: the message arriving now is the job queued before `down`.
      await eventually(async () => {
        const { messages } = (await (await fetch(`${mailpit}/api/v1/messages`)).json()) as {
          messages: Array<{ To: Array<{ Address: string }> }>;
        };
        expect(messages.some((m) => m.To.some((to) => to.Address === address))).toBe(true);
      }, MINUTE);
    },
    15 * MINUTE,
  );

  it(
    "backup: run --rm backup writes a dump to the backups volume with the server's pg_dump; dbrestore --force restores it live",
    async () => {
      const build = await compose.ok(['build', 'backup'], { timeoutMs: 15 * MINUTE });
      figures.push(`build backup image: ${(build.ms / 1000).toFixed(1)} s`);
      const version = await compose.ok(['run', '--rm', '-T', 'backup', 'pg_dump', '--version']);
      expect(version.stdout).toMatch(/\(PostgreSQL\) 17\./);

      const backup = await compose.ok(['run', '--rm', '-T', 'backup'], { timeoutMs: 3 * MINUTE });
      figures.push(`run --rm backup: ${(backup.ms / 1000).toFixed(1)} s`);
      const line =
        /^Backed up event_planner to (\/backups\/event_planner-\d{8}T\d{6}\.\d{3}Z\.dump) \(.*\)\.$/m.exec(
          backup.stdout,
        );
      expect(line).not.toBeNull();
      const file = line![1];

      // Its exit status is read from the container: podman's compat API makes `compose run --rm`
      // exit 0 whatever the container's own status (seen here with `sh -c 'exit 3'`).
      const refusedName = `restore-refused-${suffix}`;
      const refused = await compose.run([
        'run',
        '--name',
        refusedName,
        '-T',
        'backup',
        'node',
        'dist/cli.js',
        'dbrestore',
        file,
      ]);
      // The message first: it says what happened if the exit status is not the expected one.
      expect(refused.stdout + refused.stderr).toMatch(/database event_planner is not empty/);
      const refusedStatus = execFileSync(
        'docker',
        ['inspect', '--format', '{{.State.ExitCode}}', refusedName],
        {
          encoding: 'utf8',
        },
      ).trim();
      execFileSync('docker', ['rm', refusedName]);
      expect(refusedStatus).toBe('1');
      const restored = await compose.ok(
        ['run', '--rm', '-T', 'backup', 'node', 'dist/cli.js', 'dbrestore', file, '--force'],
        { timeoutMs: 3 * MINUTE },
      );
      expect(restored.stdout).toMatch(
        /^Restored event_planner from .+; replaced \d+ tables; no pending migrations\.$/m,
      );
      // The app carries on against the restored database.
      await eventually(async () => expect((await fetch(`${proxy}/health/ready`)).status).toBe(200), MINUTE);
    },
    20 * MINUTE,
  );

  it(
    'docker compose stop ends every service with exit 0 inside its stop_grace_period',
    async () => {
      const stop = await compose.ok(['stop'], { timeoutMs: 3 * MINUTE });
      figures.push(`docker compose stop: ${(stop.ms / 1000).toFixed(1)} s`);
      const longest = Math.max(
        ...Object.values(services).map((service) => seconds(service.stop_grace_period ?? '0s')),
      );
      expect(stop.ms).toBeLessThan(longest * 1000);
      const ended = (await compose.containers()).map(({ name, state, exitCode }) => ({
        name,
        state,
        exitCode,
      }));
      expect(ended.filter((c) => c.state !== 'exited' || c.exitCode !== 0)).toEqual([]);
    },
    4 * MINUTE,
  );

  it(
    'docker compose down -v leaves no container, volume or network',
    async () => {
      // Compose removes the volumes of the services it was asked about: the backups volume (of the
      // `backup` profile) survives a plain `down -v` with the database, and goes with the profile.
      await compose.ok(['down', '-v'], { timeoutMs: 3 * MINUTE });
      expect(compose.leftovers().volumes.map((volume) => volume.replace(/^.*_/, ''))).toEqual(['backups']);
      await compose.ok(['--profile', 'backup', 'down', '-v'], { timeoutMs: 3 * MINUTE });
      expect(compose.leftovers()).toEqual({ containers: [], volumes: [], networks: [] });
    },
    4 * MINUTE,
  );
});
