import { chownSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ComposeProject, copyCheckout, describeWhenComposeRuns } from '../support/compose-project';
import { eventually } from '../support/eventually';
import { attachTo as attach } from '../support/inspector';
import { freePort, PROJECT_ROOT } from '../support/processes';
import { removeProject } from '../support/project-copy';

const MINUTE = 60_000;
// One per checkout (a shared engine may build for several at once), the same on every run of it.
const TEST_DEV_IMAGE = `docker.io/library/event-planner-test:dev-${createHash('sha256').update(PROJECT_ROOT).digest('hex').slice(0, 8)}`;

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
  }
}

const { describe: composeDescribe, title } = describeWhenComposeRuns(
  'docker-compose.yml, run as a developer does',
);

/**
 * The development stack for real (`docker compose` against Docker or podman's API), from a fresh
 * checkout owned by whoever runs the tests (root in CI): up with build and wait, hot reload of a
 * view and of a controller, both debuggers, mail into Mailpit, the REPL, logs, and `down -v`.
 * docs/docker.md lists exactly these commands.
 */
composeDescribe(title, () => {
  const suffix = randomBytes(3).toString('hex');
  let checkout: string;
  let compose: ComposeProject;
  const ports: Record<string, number> = {};
  const figures: string[] = [];
  const url = (path: string) => `http://127.0.0.1:${ports.APP_PORT}${path}`;

  beforeAll(async () => {
    checkout = copyCheckout();
    for (const name of [
      'APP_PORT',
      'APP_INSPECT_PORT',
      'WORKER_INSPECT_PORT',
      'DB_PORT',
      'REDIS_PORT',
      'MAILPIT_SMTP_PORT',
      'MAILPIT_UI_PORT',
    ]) {
      ports[name] = await freePort();
    }
    const env = {
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      // Its own fully qualified tag: a short name may resolve to another image of that name.
      DEV_IMAGE: TEST_DEV_IMAGE,
    };
    compose = new ComposeProject(checkout, `ep-dev-${suffix}`, ['docker-compose.yml'], env);
  });

  afterAll(async () => {
    await compose?.run(['down', '-v', '--timeout', '5'], { timeoutMs: 2 * MINUTE }).catch(() => undefined);
    if (checkout) removeProject(checkout);
    if (figures.length) process.stdout.write(`compose dev figures:\n  ${figures.join('\n  ')}\n`);
  });

  it(
    'docker compose up -d --build --wait: every service running, the app healthy',
    async () => {
      const up = await compose.ok(['up', '-d', '--build', '--wait'], { timeoutMs: 25 * MINUTE });
      figures.push(`up -d --build --wait: ${(up.ms / 1000).toFixed(1)} s to healthy (build included)`);
      const containers = await compose.containers();
      expect(containers.map(({ service, state }) => `${service}:${state}`).sort()).toEqual([
        'app:running',
        'db:running',
        'mailpit:running',
        'redis:running',
        'worker:running',
      ]);
      for (const service of ['app', 'db', 'redis']) {
        expect({ service, health: containers.find((c) => c.service === service)?.health }).toEqual({
          service,
          health: 'healthy',
        });
      }
      expect((await fetch(url('/health/ready'))).status).toBe(200);
    },
    30 * MINUTE,
  );

  it('starts on this checkout whoever owns it: the Prisma client was generated into it as its owner', () => {
    expect(statSync(join(checkout, 'src/generated/prisma/client.ts')).uid).toBe(statSync(checkout).uid);
  });

  let before: { web: number; worker: number };
  let controllerEdited: number;

  it('a CDP client attaches to the app (9229) and the worker (9230); Runtime.evaluate gives their pids', async () => {
    const web = await attach(ports.APP_INSPECT_PORT);
    const worker = await attach(ports.WORKER_INSPECT_PORT);
    figures.push(`CDP attach + Runtime.evaluate: web ${web.ms} ms, worker ${worker.ms} ms`);
    expect(web.url).toMatch(/\/app\/src\/main\.ts$/);
    expect(worker.url).toMatch(/\/app\/src\/worker\.ts$/);
    // The pid is the inspected process's own, inside its container, running as the checkout's owner.
    for (const [service, { pid }, entry] of [
      ['app', web, 'src/main.ts'],
      ['worker', worker, 'src/worker.ts'],
    ] as const) {
      const proc = await compose.ok([
        'exec',
        '-T',
        service,
        'sh',
        '-c',
        `stat -c %u /proc/${pid}; cat /proc/${pid}/cmdline`,
      ]);
      const [uid, cmdline] = proc.stdout.split('\n');
      expect({ uid, cmdline: cmdline.replace(/\0/g, ' ') }).toEqual({
        uid: String(statSync(checkout).uid),
        cmdline: expect.stringContaining(entry),
      });
    }
    before = { web: web.pid, worker: worker.pid };
  });

  it('hot reload: an edited view is served on the next request, no restart', async () => {
    const marker = `view-reloaded-${suffix}`;
    // The log-in page: never in the anonymous page cache, which would keep serving the old one.
    const view = join(checkout, 'views/accounts/login.hbs');
    const home = async () =>
      (await fetch(url('/accounts/login'), { headers: { accept: 'text/html' } })).text();
    expect(await home()).not.toContain(marker);
    const edited = Date.now();
    writeFileSync(view, `${readFileSync(view, 'utf8')}\n<p>${marker}</p>\n`);
    expect(await home()).toContain(marker);
    figures.push(`view edit → served: ${Date.now() - edited} ms (next request)`);
    // Page templates are read per request: neither process restarted.
    expect((await attach(ports.APP_INSPECT_PORT)).pid).toBe(before.web);
  });

  it(
    'hot reload: an edited controller is served after the automatic restart',
    async () => {
      const marker = `controller-reloaded-${suffix}`;
      const controller = join(checkout, 'src/health/health.controller.ts');
      const source = readFileSync(controller, 'utf8');
      const edited = source.replace(
        "return { status: 'ok' };",
        `return { status: 'ok', marker: '${marker}' };`,
      );
      expect(edited).not.toBe(source);
      const started = (controllerEdited = Date.now());
      writeFileSync(controller, edited);
      await eventually(async () => {
        const body = (await (await fetch(url('/health/live'))).json()) as { marker?: string };
        expect(body.marker).toBe(marker);
      }, 2 * MINUTE);
      figures.push(`controller edit → served by the restarted web: ${Date.now() - started} ms`);
    },
    4 * MINUTE,
  );

  it('after that reload, the debuggers attach again on 9229/9230, to the new processes', async () => {
    // nodemon restarted both (the worker watches src/ too) once the old processes had exited.
    let after!: { web: number; worker: number };
    await eventually(async () => {
      after = {
        web: (await attach(ports.APP_INSPECT_PORT)).pid,
        worker: (await attach(ports.WORKER_INSPECT_PORT)).pid,
      };
      expect(after.web).not.toBe(before.web);
      expect(after.worker).not.toBe(before.worker);
    }, 15_000);
    figures.push(`controller edit → both debuggers re-attached: ${Date.now() - controllerEdited} ms`);
    const again = await attach(ports.APP_INSPECT_PORT);
    figures.push(`re-attach after the reload: ${again.ms} ms`);
    expect(again.pid).toBe(after.web);
    const logs = await compose.ok(['logs', '--no-color', 'app', 'worker']);
    expect(logs.stdout).not.toMatch(/Starting inspector .* failed/);
  });

  it(
    'mail: sendtestemail inside the app container arrives in Mailpit (its HTTP API)',
    async () => {
      const address = `dev-compose-${suffix}@example.com`;
      const sent = await compose.ok(
        ['exec', '-T', 'app', 'npm', 'run', 'cli', '--', 'sendtestemail', address, '--wait', '60'],
        { timeoutMs: 2 * MINUTE },
      );
      expect(sent.stdout).toContain(`Delivered to ${address}`);
      const mailpit = `http://127.0.0.1:${ports.MAILPIT_UI_PORT}`;
      const { messages } = (await (await fetch(`${mailpit}/api/v1/messages`)).json()) as {
        messages: Array<{ ID: string; To: Array<{ Address: string }>; Subject: string }>;
      };
      const message = messages.find((m) => m.To.some((to) => to.Address === address));
      expect(message?.Subject).toBeTruthy();
      const raw = await (await fetch(`${mailpit}/api/v1/message/${message!.ID}/raw`)).text();
      expect(raw).toMatch(/^Message-ID: /im);
    },
    3 * MINUTE,
  );

  it(
    'docker compose exec app npm run repl starts and evaluates',
    async () => {
      const repl = await compose.ok(['exec', '-T', 'app', 'npm', 'run', '-s', 'repl'], {
        input: 'console.log(`repl-${40 + 2}`, typeof prisma.user.count)\n.exit\n',
        timeoutMs: 2 * MINUTE,
      });
      expect(repl.stdout).toContain('repl-42 function');
    },
    3 * MINUTE,
  );

  it('docker compose logs shows both processes', async () => {
    const logs = await compose.ok(['logs', '--no-color', 'app', 'worker']);
    expect(logs.stdout).toMatch(/app-1 +\| .*\[web\s*\].*Web ready/);
    expect(logs.stdout).toMatch(/worker-1 +\| .*\[worker\s*\].*Worker ready/);
  });

  it(
    'docker compose stop: SIGTERM reaches app and worker (the web drains), both exit 0',
    async () => {
      const stop = await compose.ok(['stop', 'app', 'worker'], { timeoutMs: 2 * MINUTE });
      figures.push(`docker compose stop app worker: ${(stop.ms / 1000).toFixed(1)} s`);
      const ended = (await compose.containers())
        .filter(({ service }) => service === 'app' || service === 'worker')
        .map(({ service, state, exitCode }) => ({ service, state, exitCode }));
      expect(ended.sort((a, b) => a.service.localeCompare(b.service))).toEqual([
        { service: 'app', state: 'exited', exitCode: 0 },
        { service: 'worker', state: 'exited', exitCode: 0 },
      ]);
      const logs = await compose.ok(['logs', '--no-color', 'app']);
      expect(logs.stdout).toMatch(/\[web\s*\].*Shutting down: draining/);
      expect(logs.stdout).toMatch(/\[web\s*\].*HTTP drained in \d+ ms/);
    },
    3 * MINUTE,
  );

  it(
    'docker compose down -v leaves no container, volume or network',
    async () => {
      await compose.ok(['down', '-v'], { timeoutMs: 3 * MINUTE });
      expect(compose.leftovers()).toEqual({ containers: [], volumes: [], networks: [] });
    },
    4 * MINUTE,
  );

  it(
    'a checkout owned by another uid (1234) starts too, and what the container writes stays that uid',
    async () => {
      const other = copyCheckout();
      const project = new ComposeProject(other, `ep-dev-uid-${suffix}`, ['docker-compose.yml'], {
        DEV_IMAGE: TEST_DEV_IMAGE,
      });
      try {
        chownTree(other, 1234, 1234);
        const run = await project.ok(
          [
            'run',
            '--rm',
            '--no-deps',
            '-T',
            'app',
            'sh',
            '-c',
            'id -u && stat -c %u:%g src/generated/prisma/client.ts',
          ],
          { timeoutMs: 5 * MINUTE },
        );
        expect(run.stdout.trim().split('\n').slice(-2)).toEqual(['1234', '1234:1234']);
        expect(statSync(join(other, 'src/generated/prisma/client.ts')).uid).toBe(1234);
      } finally {
        await project.run(['down', '-v'], { timeoutMs: 2 * MINUTE });
        removeProject(other);
      }
    },
    6 * MINUTE,
  );
});
