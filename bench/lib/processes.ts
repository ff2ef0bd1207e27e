/**
 * The processes a bench measures, started as production runs them: the compiled app
 * (`node dist/main.js`, built first), NODE_ENV=production, JSON logs at warn, on 127.0.0.1 ports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const CLOCK_TICKS_PER_SECOND = 100;

/** `tsc -p tsconfig.build.json` (incremental: seconds when little changed), so dist/ is this tree. */
export function buildApp(): void {
  const started = Date.now();
  const build = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('the build failed');
  console.log(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

/** One production web process (`node dist/main.js`) with `env` on top of the production settings. */
export async function startWeb(name: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      PORT: String(port),
      ...env,
    },
  });
  const server = { name, url: `http://127.0.0.1:${port}`, child };
  await waitForHttp(`${server.url}/health/live`, child);
  return server;
}

/**
 * The ceiling: a bare `node:http` server answering every request with `body` (the bytes of the
 * page being compared), nothing else in the process.
 */
export async function startCeiling(body: Buffer): Promise<Server> {
  const port = await freePort();
  const file = join(tmpdir(), `bench-ceiling-${process.pid}.html`);
  writeFileSync(file, body);
  const script = `
    const body = require('node:fs').readFileSync(${JSON.stringify(file)});
    require('node:http').createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
      res.end(body);
    }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
  const server = { name: 'ceiling', url: `http://127.0.0.1:${port}`, child };
  await waitForHttp(`${server.url}/`, child);
  return server;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode})`);
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

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export async function stop(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      ({ child }) =>
        new Promise<void>((resolveStop) => {
          if (child.exitCode !== null) return resolveStop();
          child.once('exit', () => resolveStop());
          child.kill('SIGTERM');
        }),
    ),
  );
}
