import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './processes';
import { TEST_ENV } from './test-env';

/**
 * A throw-away copy of the project (sources, views, static files, migrations, scripts; the real
 * node_modules linked in), for tests that edit files under a running process, as a developer
 * would, without touching the working tree.
 */
export function copyProject(entries = ['src', 'views', 'public', 'prisma', 'scripts']): string {
  const root = mkdtempSync(join(tmpdir(), 'event-planner-copy-'));
  for (const entry of [...entries, 'package.json', 'tsconfig.json']) {
    cpSync(join(PROJECT_ROOT, entry), join(root, entry), { recursive: true });
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

export function removeProject(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

export interface OutputProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `pattern` printed after `from` lines. */
  waitForLine(pattern: RegExp, options?: { timeoutMs?: number; from?: number }): Promise<string>;
  exited: Promise<number | string>;
}

/** Spawns a command in its own process group (like a terminal job), collecting its output lines. */
export function spawnCollecting(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): OutputProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...TEST_ENV, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      // Colours and cursor codes are for people; tests read plain text.
      // eslint-disable-next-line no-control-regex
      lines.push(...parts.map((line) => line.replace(/\u001b\[[0-9;]*m/g, '')));
      for (const waiter of waiters) waiter();
    });
  }
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, { timeoutMs = 90_000, from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.slice(from).find((text) => pattern.test(text));
          if (line === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(line);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output:\n${lines.slice(-60).join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then((code) => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`exited (${code}) before ${pattern}; output:\n${lines.slice(-60).join('\n')}`));
        });
        check();
      });
    },
  };
}
