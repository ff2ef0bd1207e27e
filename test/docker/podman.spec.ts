import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Bull from 'bull';
import { loadCompose, serviceEnvironment } from '../support/compose';
import { PROJECT_ROOT } from '../support/processes';
import { freePort } from '../support/processes';
import { scratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { SmtpSink } from '../support/smtp-sink';
import { TEST_ENV } from '../support/test-env';

const BASE_IMAGE = 'docker.io/library/node:22-bookworm-slim';
const PROD_IMAGE = 'localhost/event-planner:prod';
const DEV_IMAGE = 'localhost/event-planner:dev';

function podmanUnavailable(): string | undefined {
  if (spawnSync('podman', ['--version']).status !== 0) return 'podman is not installed';
  if (spawnSync('podman', ['image', 'exists', BASE_IMAGE]).status !== 0) {
    return `the base image ${BASE_IMAGE} is missing (run ../shared/tools/container-runtime-setup)`;
  }
  return undefined;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs podman asynchronously (builds take minutes; the event loop must keep going). */
function podman(args: string[], { timeoutMs = 60_000 } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(
          `podman ${args.join(' ')} timed out; output:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`,
        ),
      );
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function build(dockerfile: string, tag: string): Promise<void> {
  // --format docker keeps HEALTHCHECK (the OCI format has no such field).
  const result = await podman(
    ['build', '--pull=never', '--format', 'docker', '-f', dockerfile, '-t', tag, '.'],
    {
      timeoutMs: 30 * 60_000,
    },
  );
  if (result.code !== 0)
    throw new Error(
      `podman build -f ${dockerfile} failed:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`,
    );
}

const envArgs = (env: Record<string, string>) =>
  Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const unavailable = podmanUnavailable();
if (unavailable) {
  process.stderr.write(`Skipping the container image tests: ${unavailable}.\n`);
}

/**
 * The images, really built and run (podman; see ../shared/research/containers.md): the production
 * image as the migrate one-shot, web and worker against this machine's PostgreSQL, Redis and an
 * SMTP sink (`--network host`: no images for those services here).
 */
(unavailable ? describe.skip : describe)(
  `container images (podman)${unavailable ? ` — skipped: ${unavailable}` : ''}`,
  () => {
    const suffix = randomBytes(3).toString('hex');
    const names = { web: `ep-test-web-${suffix}`, worker: `ep-test-worker-${suffix}` };
    const compose = loadCompose('docker-compose.prod.yml');
    let database: ScratchDatabase;
    let smtp: SmtpSink;
    let port: number;
    let env: (service: 'migrate' | 'app' | 'worker') => Record<string, string>;

    beforeAll(async () => {
      database = await scratchDatabase('podman', { create: false });
      smtp = new SmtpSink();
      await smtp.start(0);
      port = await freePort();
      env = (service) => ({
        ...serviceEnvironment(compose.services[service]),
        DATABASE_URL: database.url,
        REDIS_URL: TEST_ENV.REDIS_URL,
        SMTP_URL: smtp.url,
        PORT: String(port),
        TRUST_PROXY: 'loopback',
      });
    });

    afterAll(async () => {
      for (const name of Object.values(names))
        await podman(['rm', '-f', '-t', '0', name]).catch(() => undefined);
      await smtp?.stop();
      await database?.drop();
    });

    it('builds Dockerfile.prod', () => build('Dockerfile.prod', PROD_IMAGE), 35 * 60_000);

    it('the production image: non-root, tini, health check, size', async () => {
      const inspect = await podman(['image', 'inspect', PROD_IMAGE]);
      const [image] = JSON.parse(inspect.stdout) as Array<{
        Size: number;
        Healthcheck?: { Test: string[] };
        Config: {
          User: string;
          Entrypoint: string[];
          Cmd: string[];
          Env: string[];
          Healthcheck?: { Test: string[] };
        };
      }>;
      expect(image.Config.User).toBe('node');
      expect(image.Config.Entrypoint).toEqual(['/usr/bin/tini', '--']);
      expect(image.Config.Cmd).toEqual(['node', 'dist/main.js']);
      expect(image.Config.Env).toContain('NODE_ENV=production');
      // podman reports a docker-format image's health check beside Config, docker inside it.
      expect((image.Healthcheck ?? image.Config.Healthcheck)?.Test).toEqual([
        'CMD',
        'node',
        'dist/healthcheck.js',
      ]);
      const modules = await podman([
        'run',
        '--rm',
        '--entrypoint',
        'du',
        PROD_IMAGE,
        '-sm',
        '/app/node_modules',
      ]);
      const listing = await podman(['run', '--rm', '--entrypoint', 'ls', PROD_IMAGE, '-A', '/app']);
      expect(listing.stdout.trim().split('\n').sort()).toEqual([
        'data',
        'dist',
        'node_modules',
        'prisma',
        'public',
        'views',
      ]);
      process.stdout.write(
        `production image: ${Math.round(image.Size / 1e6)} MB, node_modules ${modules.stdout.split('\t')[0]} MB\n`,
      );
    });

    it('migrate one-shot: applies the migrations and exits 0', async () => {
      const result = await podman(
        [
          'run',
          '--rm',
          '--network',
          'host',
          ...envArgs(env('migrate')),
          PROD_IMAGE,
          ...compose.services.migrate.command!,
        ],
        { timeoutMs: 120_000 },
      );
      expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(result.stdout).toMatch(/Applied \d+ migration\(s\)/);
    });

    it('web: ready, a page renders without the toolbar, runs as a non-root user', async () => {
      const run = await podman([
        'run',
        '-d',
        '--name',
        names.web,
        '--network',
        'host',
        ...envArgs(env('app')),
        PROD_IMAGE,
      ]);
      expect(run.code).toBe(0);
      const ready = await waitFor('/health/ready', async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
        return response.status === 200 ? response : undefined;
      });
      expect(ready.status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('</html>');
      expect(html).not.toContain('debug-toolbar');
      expect((await podman(['exec', names.web, 'id', '-u'])).stdout.trim()).toBe('1000');
      expect((await podman(['exec', names.web, 'node', 'dist/healthcheck.js'])).code).toBe(0);
    });

    it('worker: completes a job; an e-mail queued by web is delivered by the worker container', async () => {
      const run = await podman([
        'run',
        '-d',
        '--name',
        names.worker,
        '--network',
        'host',
        ...envArgs(env('worker')),
        PROD_IMAGE,
        ...compose.services.worker.command!,
      ]);
      expect(run.code).toBe(0);
      await waitFor('Worker ready', async () => {
        const logs = await podman(['logs', names.worker]);
        return /Worker ready/.test(logs.stdout + logs.stderr) ? true : undefined;
      });
      const queue = new Bull('system', TEST_ENV.REDIS_URL, { prefix: 'bull' });
      try {
        const job = await queue.add('ping', { echo: 'container' });
        await expect(job.finished()).resolves.toMatchObject({ echo: 'container' });
      } finally {
        await queue.close();
      }

      const base = `http://127.0.0.1:${port}`;
      const forwarded = { 'x-forwarded-proto': 'https' };
      const form = await fetch(`${base}/accounts/signup`, { headers: forwarded });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
      const cookie = form.headers
        .getSetCookie()
        .map((value) => value.split(';')[0])
        .join('; ');
      const email = `podman-${suffix}@example.com`;
      const signup = await fetch(`${base}/accounts/signup`, {
        method: 'POST',
        headers: { ...forwarded, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: csrf ?? '',
          email,
          displayName: 'Podman Smoke',
          password: 'a-long-and-unusual-passphrase-4711',
          password2: 'a-long-and-unusual-passphrase-4711',
        }),
        redirect: 'manual',
      });
      expect(signup.status).toBeLessThan(400);
      const to = (mail: { to?: unknown }) => JSON.stringify(mail.to ?? '').includes(email);
      await smtp.waitUntil((messages) => messages.some(to), 60_000);
    }, 120_000);

    it.each(['web', 'worker'] as const)(
      'podman stop ends the %s container by SIGTERM, well inside the grace period',
      async (which) => {
        const started = Date.now();
        const stop = await podman(['stop', '-t', '30', names[which]], { timeoutMs: 60_000 });
        const elapsed = Date.now() - started;
        const state = await podman(['inspect', '--format', '{{.State.ExitCode}}', names[which]]);
        const logs = await podman(['logs', '--tail', '5', names[which]]);
        // 137 would be SIGKILL after the grace period; a clean Nest shutdown exits 0.
        expect({
          stop: stop.code,
          exitCode: state.stdout.trim(),
          tail: state.stdout.trim() === '0' ? '' : logs.stderr + logs.stdout,
        }).toEqual({ stop: 0, exitCode: '0', tail: '' });
        expect(elapsed).toBeLessThan(15_000);
      },
      90_000,
    );

    it(
      "builds Dockerfile (development) and runs the app's CLI in it",
      async () => {
        await build('Dockerfile', DEV_IMAGE);
        const check = await podman(
          [
            'run',
            '--rm',
            '--network',
            'host',
            ...envArgs({ DATABASE_URL: database.url, REDIS_URL: TEST_ENV.REDIS_URL }),
            DEV_IMAGE,
            'npm',
            'run',
            '-s',
            'cli',
            '--',
            'check',
          ],
          { timeoutMs: 180_000 },
        );
        expect({
          code: check.code,
          out: check.stdout.trim(),
          err: check.code === 0 ? '' : check.stderr,
        }).toEqual({
          code: 0,
          out: 'System check identified no issues.',
          err: '',
        });
        const node = await podman(['run', '--rm', '--entrypoint', 'node', DEV_IMAGE, '--version']);
        expect(node.stdout).toMatch(/^v22\./);
      },
      45 * 60_000,
    );
  },
);
