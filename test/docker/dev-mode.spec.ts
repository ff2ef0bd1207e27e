import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Bull from 'bull';
import { attachTo, InspectorClient, type PausedEvent } from '../support/inspector';
import { freePort } from '../support/processes';
import { copyProject, removeProject, spawnCollecting, type OutputProcess } from '../support/project-copy';
import { TEST_ENV } from '../support/test-env';

/** The inspector URL of the latest `[name] Debugger listening on ws://…` line. */
function inspectorUrl(dev: OutputProcess, name: 'web' | 'worker'): string {
  const pattern = new RegExp(`^\\[${name}\\s*\\] Debugger listening on (ws://\\S+)`);
  const line = [...dev.lines].reverse().find((text) => pattern.test(text));
  if (!line) throw new Error(`no inspector line from ${name}`);
  return pattern.exec(line)![1];
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process running in `dir` (read from /proc; Linux only). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * `npm run dev` as a developer uses it, on a copy of the project: migrate, web + worker under
 * nodemon with the inspector, prefixed output, hot reload, a debugger that attaches and stops in a
 * controller and in a job, and Ctrl-C that stops everything.
 */
describe('npm run dev', () => {
  let root: string;
  let dev: OutputProcess;
  let port: number;
  // Fixed inspector ports, as an editor's launch configuration names them.
  let inspect: { web: number; worker: number };

  beforeAll(async () => {
    root = copyProject();
    port = await freePort();
    inspect = { web: await freePort(), worker: await freePort() };
    dev = spawnCollecting(
      process.execPath,
      [
        'scripts/dev.js',
        '--web-inspect-port',
        String(inspect.web),
        '--worker-inspect-port',
        String(inspect.worker),
      ],
      {
        cwd: root,
        env: {
          NODE_ENV: 'development',
          PORT: String(port),
          LOG_LEVEL: 'info',
          LOG_PRETTY: 'true',
          FORCE_COLOR: '0',
        },
      },
    );
    await dev.waitForLine(/^\[web\s*\] .*Web ready/);
    await dev.waitForLine(/^\[worker\s*\] .*Worker ready/);
  }, 180_000);

  afterAll(async () => {
    if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
      process.kill(-dev.child.pid!, 'SIGKILL');
    }
    if (root) removeProject(root);
  });

  it('migrates first, then prefixes each process output with its name', () => {
    const migrated = dev.lines.findIndex((line) => /pending migrations|Applied \d+ migration/.test(line));
    const firstWeb = dev.lines.findIndex((line) => line.startsWith('[web   ]'));
    expect(migrated).toBeGreaterThanOrEqual(0);
    expect(migrated).toBeLessThan(firstWeb);
    expect(dev.lines.some((line) => line.startsWith('[worker]'))).toBe(true);
    expect(inspectorUrl(dev, 'web')).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${inspect.web}/`));
    expect(inspectorUrl(dev, 'worker')).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${inspect.worker}/`));
  });

  it('serves pages with the debug toolbar (development)', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="debug-toolbar"');
  });

  it('a debugger attached to the web process stops at a breakpoint in a controller', async () => {
    const inspector = await InspectorClient.connect(inspectorUrl(dev, 'web'));
    try {
      const { lineNumber } = await inspector.breakAfter('src/health/health.controller.ts', /\blive\(\)\s*\{/);
      const paused = inspector.waitFor<PausedEvent>('Debugger.paused');
      const response = fetch(`http://127.0.0.1:${port}/health/live`);
      const event = await paused;
      expect(event.reason).toBe('other');
      expect(event.hitBreakpoints?.length).toBe(1);
      expect(inspector.urlOf(event.callFrames[0])).toMatch(/src\/health\/health\.controller\.ts$/);
      expect(event.callFrames[0].location.lineNumber).toBe(lineNumber);
      expect(event.callFrames[0].functionName).toMatch(/live/);
      await inspector.send('Debugger.resume');
      expect((await response).status).toBe(200);
    } finally {
      inspector.close();
    }
  });

  it('a debugger attached to the worker stops at a breakpoint in a job processor', async () => {
    const inspector = await InspectorClient.connect(inspectorUrl(dev, 'worker'));
    const queue = new Bull('system', TEST_ENV.REDIS_URL, { prefix: 'bull' });
    try {
      await inspector.breakAfter('src/jobs/system/system.processor.ts', /\bping\(job\)\s*\{/);
      const paused = inspector.waitFor<PausedEvent>('Debugger.paused');
      const job = await queue.add('ping', { echo: 'from the debugger test' });
      const event = await paused;
      expect(inspector.urlOf(event.callFrames[0])).toMatch(/src\/jobs\/system\/system\.processor\.ts$/);
      expect(event.callFrames[0].functionName).toMatch(/ping/);
      await inspector.send('Debugger.resume');
      await expect(job.finished()).resolves.toMatchObject({ echo: 'from the debugger test' });
    } finally {
      inspector.close();
      await queue.close();
    }
  });

  // Files every build has (the foundation's), so the test does not follow feature pages around.
  it('hot reload: an edited page template shows on the next request, without a restart', async () => {
    const view = join(root, 'views', 'errors', '404.hbs');
    const from = dev.lines.length;
    writeFileSync(view, `${readFileSync(view, 'utf8')}\n<p>Edited view ${port}</p>\n`);
    const page = await fetch(`http://127.0.0.1:${port}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain(`Edited view ${port}`);
    // The worker reads its (e-mail) templates at boot: it restarts. The web does not, meanwhile.
    await dev.waitForLine(/^\[worker\s*\] .*Worker ready/, { from });
    expect(dev.lines.slice(from).filter((line) => /^\[web\s*\] .*restarting/.test(line))).toEqual([]);
  }, 120_000);

  it('hot reload: an edited controller restarts web and worker; the debuggers attach again on the same ports', async () => {
    const before = { web: await attachTo(inspect.web), worker: await attachTo(inspect.worker) };
    const controller = join(root, 'src', 'health', 'health.controller.ts');
    const source = readFileSync(controller, 'utf8');
    expect(source).toContain("return { status: 'ok' };");
    const from = dev.lines.length;
    writeFileSync(
      controller,
      source.replace("return { status: 'ok' };", `return { status: 'ok', edit: ${port} };`),
    );
    await dev.waitForLine(/^\[web\s*\] .*restarting due to changes/, { from });
    await dev.waitForLine(/^\[web\s*\] .*Web ready/, { from });
    await dev.waitForLine(/^\[worker\s*\] .*Worker ready/, { from });
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(await live.json()).toEqual({ status: 'ok', edit: port });
    // nodemon starts the new process only once the old one has exited and freed the inspector
    // port; otherwise the new one runs on without a debugger ("address already in use").
    expect(dev.lines.slice(from).filter((line) => /Starting inspector .* failed/.test(line))).toEqual([]);
    const after = { web: await attachTo(inspect.web), worker: await attachTo(inspect.worker) };
    expect(after.web.pid).not.toBe(before.web.pid);
    expect(after.worker.pid).not.toBe(before.worker.pid);
  }, 120_000);

  it('Ctrl-C stops web, worker and their watchers', async () => {
    const before = processesIn(root);
    expect(before.length).toBeGreaterThanOrEqual(5); // dev.js, 2 shells or nodemons, 2 apps
    // A terminal sends SIGINT to the whole foreground process group.
    process.kill(-dev.child.pid!, 'SIGINT');
    expect(await dev.exited).toBe(0);
    const deadline = Date.now() + 15_000;
    while (before.some(processAlive) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(before.filter(processAlive)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });
});
