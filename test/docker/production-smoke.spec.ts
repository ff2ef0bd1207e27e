import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Bull from 'bull';
import { loadCompose, serviceEnvironment, type ComposeService } from '../support/compose';
import { PROJECT_ROOT } from '../support/processes';
import { buildProduction } from '../support/production-build';
import { freePort } from '../support/processes';
import { removeProject, spawnCollecting, type OutputProcess } from '../support/project-copy';
import { scratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { SmtpSink } from '../support/smtp-sink';
import { TEST_ENV } from '../support/test-env';

const compose = loadCompose('docker-compose.prod.yml');

const hasCaddy = spawnSync('caddy', ['version']).status === 0;

/** Polls `url` until it answers 200 (a server that is still starting refuses connections). */
async function waitForResponse(url: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.status === 200) return response;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs a one-shot command to completion: exit code and output. */
function runOnce(
  command: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0] === 'node' ? process.execPath : command[0], command.slice(1), {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * Compose semantics, natively: each docker-compose.prod.yml service's command exactly as declared,
 * from a production build (dist/ + views/public/prisma), with the service's environment (NODE_ENV
 * production) and only the addresses swapped for this machine's PostgreSQL, Redis and an SMTP sink.
 */
describe('docker-compose.prod.yml services, run natively from a production build', () => {
  let root: string;
  let database: ScratchDatabase;
  let smtp: SmtpSink;
  let port: number;
  let web: OutputProcess;
  let worker: OutputProcess;
  let env: (service: ComposeService) => Record<string, string>;

  beforeAll(async () => {
    root = buildProduction();
    database = await scratchDatabase('compose', { create: false });
    smtp = new SmtpSink();
    await smtp.start(0);
    port = await freePort();
    env = (service) => ({
      ...serviceEnvironment(service),
      DATABASE_URL: database.url,
      REDIS_URL: TEST_ENV.REDIS_URL,
      SMTP_URL: smtp.url,
      PORT: String(port),
      LOG_LEVEL: 'info',
      // The proxy is on this host here, not on a private network.
      TRUST_PROXY: 'loopback',
    });
  }, 240_000);

  afterAll(async () => {
    for (const running of [web, worker]) {
      if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    }
    await smtp?.stop();
    await database?.drop();
    if (root) removeProject(root);
  });

  it('migrate: creates the database, applies every migration, exits 0; again: nothing to do', async () => {
    const migrate = compose.services.migrate;
    const first = await runOnce(migrate.command!, root, env(migrate));
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toMatch(/Created database[\s\S]*Applied \d+ migration\(s\)/);
    const second = await runOnce(migrate.command!, root, env(migrate));
    expect(second).toEqual({ code: 0, output: expect.stringContaining('No pending migrations.') });
  });

  it('app: ready, renders pages without the debug toolbar, logs JSON', async () => {
    const app = compose.services.app;
    expect(app.command).toEqual(['node', 'dist/main.js']);
    web = spawnCollecting(process.execPath, app.command!.slice(1), { cwd: root, env: env(app) });
    await web.waitForLine(/Web ready/, { timeoutMs: 60_000 });
    expect(JSON.parse(web.lines.find((line) => line.includes('Web ready'))!)).toMatchObject({ level: 30 });

    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    const home = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: 'text/html' } });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toMatch(/<html[\s\S]*<\/html>/);
    expect(html).not.toContain('debug-toolbar');
    expect((await fetch(`http://127.0.0.1:${port}/static/debug-toolbar/toolbar.js`)).status).toBe(404);
    // The health check the image and compose file run.
    const check = await runOnce(['node', 'dist/healthcheck.js'], root, { PORT: String(port) });
    expect(check.code).toBe(0);
  });

  it('worker: ready, completes a job queued on Redis', async () => {
    const service = compose.services.worker;
    expect(service.command).toEqual(['node', 'dist/worker.js']);
    worker = spawnCollecting(process.execPath, service.command!.slice(1), { cwd: root, env: env(service) });
    await worker.waitForLine(/Worker ready/, { timeoutMs: 60_000 });
    const queue = new Bull('system', TEST_ENV.REDIS_URL, { prefix: 'bull' });
    try {
      const job = await queue.add('ping', { echo: 'production build' });
      await expect(job.finished()).resolves.toMatchObject({
        echo: 'production build',
        pid: worker.child.pid,
      });
    } finally {
      await queue.close();
    }
  });

  it('an e-mail queued by the app (sign-up) is delivered by the worker', async () => {
    const base = `http://127.0.0.1:${port}`;
    // As the reverse proxy would forward it: the production session cookie is Secure.
    const forwarded = { 'x-forwarded-proto': 'https' };
    const form = await fetch(`${base}/accounts/signup`, { headers: forwarded });
    expect(form.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const cookies = form.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
    expect(csrf).toBeDefined();
    const email = `compose-${port}@example.com`;
    const signup = await fetch(`${base}/accounts/signup`, {
      method: 'POST',
      headers: { ...forwarded, cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf!,
        email,
        displayName: 'Compose Smoke',
        password: 'a-long-and-unusual-passphrase-4711',
        password2: 'a-long-and-unusual-passphrase-4711',
      }),
      redirect: 'manual',
    });
    expect(signup.status).toBeLessThan(400);
    const to = (mail: { to?: unknown }) => JSON.stringify(mail.to ?? '').includes(email);
    await smtp.waitUntil((messages) => messages.some(to), 30_000);
    expect(smtp.messages.find(to)?.subject).toBeTruthy();
  });

  it('collectstatic: the directory the proxy serves holds exactly what the app serves', async () => {
    const collect = compose.services.collectstatic;
    const target = join(root, 'collected-static');
    const command = [...collect.command!.slice(0, -1), target];
    expect(await runOnce(command, root, env(collect))).toMatchObject({ code: 0 });
    const files = filesUnder(target).map((file) => relative(target, file));
    expect(files).toEqual(expect.arrayContaining(['app.css', 'vendor/pico/pico.min.css']));
    for (const file of files.filter((name) => /\.(css|js|svg|png|ico)$/.test(name)).slice(0, 40)) {
      const served = await fetch(`http://127.0.0.1:${port}/static/${file}`);
      expect({ file, status: served.status }).toEqual({ file, status: 200 });
      expect(Buffer.from(await served.arrayBuffer()).equals(readFileSync(join(target, file)))).toBe(true);
    }
    // Every /static/ URL the layout links to is in the collected directory.
    const layout = readFileSync(join(root, 'views', 'layout.hbs'), 'utf8');
    for (const [, path] of layout.matchAll(/"\/static\/([^"{}]+)"/g)) expect(files).toContain(path);
  });

  // docker/Caddyfile as the prod compose file runs it, with only the upstream name and the static
  // directory pointed at this machine (Debian's caddy package; skipped where it is missing).
  (hasCaddy ? it : it.skip)(
    `Caddy with docker/Caddyfile serves /static itself and proxies the rest to the app${hasCaddy ? '' : ' (skipped: no caddy binary; apt-get install caddy)'}`,
    async () => {
      const staticDir = join(root, 'collected-static');
      writeFileSync(join(staticDir, 'only-in-the-volume.txt'), 'served by the proxy');
      const caddyfile = readFileSync(join(PROJECT_ROOT, 'docker', 'Caddyfile'), 'utf8')
        .replace(/port 3000\b/, `port ${port}`)
        .replace('/srv/static', staticDir);
      expect(caddyfile).toContain(`port ${port}`);
      writeFileSync(join(root, 'Caddyfile'), caddyfile);
      const proxyPort = await freePort();
      const caddy = spawnCollecting(
        'caddy',
        ['run', '--config', join(root, 'Caddyfile'), '--adapter', 'caddyfile'],
        {
          cwd: root,
          env: {
            SITE_ADDRESS: `:${proxyPort}`,
            APP_UPSTREAM: 'localhost',
            XDG_DATA_HOME: root,
            XDG_CONFIG_HOME: root,
          },
        },
      );
      try {
        const proxy = `http://127.0.0.1:${proxyPort}`;
        const own = await waitForResponse(`${proxy}/static/only-in-the-volume.txt`);
        expect(await own.text()).toBe('served by the proxy');
        expect(own.headers.get('cache-control')).toBe('public, max-age=86400');
        const css = await fetch(`${proxy}/static/app.css`);
        expect(Buffer.from(await css.arrayBuffer()).equals(readFileSync(join(staticDir, 'app.css')))).toBe(
          true,
        );
        // A file missing from the volume (a swarm mounts none) is the app's to serve.
        rmSync(join(staticDir, 'app.css'));
        const fromApp = await fetch(`${proxy}/static/app.css`);
        expect(fromApp.status).toBe(200);
        expect(fromApp.headers.get('content-security-policy')).toContain("default-src 'self'");
        const page = await fetch(`${proxy}/`, { headers: { accept: 'text/html' } });
        expect(page.status).toBe(200);
        // Answered by the app (helmet's headers), through the proxy.
        expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(page.headers.get('server')).toBe('Caddy');
        expect(await page.text()).toContain('</html>');
        expect((await fetch(`${proxy}/health/ready`)).status).toBe(200);
      } finally {
        caddy.child.kill('SIGTERM');
        await caddy.exited;
      }
    },
  );

  it('app and worker stop on SIGTERM, promptly and cleanly', async () => {
    for (const running of [web, worker]) {
      const started = Date.now();
      running.child.kill('SIGTERM');
      const code = await running.exited;
      expect({ code, output: code === 0 ? '' : running.lines.slice(-15).join('\n') }).toEqual({
        code: 0,
        output: '',
      });
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });
});
