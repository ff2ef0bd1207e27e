/**
 * Load from `wrk` (Debian's package), a process of its own, as the field measures HTTP servers:
 * one thread, N keep-alive connections, for a fixed time. `wrk/bench.lua` cycles through the paths
 * and prints one JSON line that `runWrk` parses. A measured run counts only what wrk counts by
 * itself (status ≥ 400, socket errors, bytes); a checked run (`check: true`) also looks at every
 * response: its status, and each 200's body for the expected markers. Checking costs wrk about a
 * third of its throughput, which would lower the ceiling, so benches measure and check in separate
 * runs of the same scenario.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', 'wrk', 'bench.lua');

export interface WrkOptions {
  url: string;
  /** Request paths, cycled through in order. */
  paths: string[];
  /** Every 200 must contain each of these strings (its body is checked, not just its status). */
  markers: string[];
  /** Check every response (status and body); see above. */
  check: boolean;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
}

export interface WrkRun {
  checked: boolean;
  requests: number;
  bytesPerResponse: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Checked runs only: every response by status. */
  statuses: Record<string, number>;
  /** Checked runs only: 200s whose body lacked a marker. */
  wrongBodies: number;
  /** Responses with a status of 400 or more (wrk counts these itself). */
  errorStatuses: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
}

interface WrkResultLine {
  checked: boolean;
  requests: number;
  durationUs: number;
  bytes: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  maxUs: number;
  statuses: Record<string, number>;
  wrongBodies: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

export async function runWrk(options: WrkOptions): Promise<WrkRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const pathsFile = join(dir, 'paths.txt');
  writeFileSync(pathsFile, `${options.paths.join('\n')}\n`);
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([name, value]) => [
    '-H',
    `${name}: ${value}`,
  ]);
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    ...headerArgs,
    '-s',
    SCRIPT,
    options.url,
  ];
  const env = {
    ...process.env,
    BENCH_WRK_PATHS: pathsFile,
    ...(options.check ? { BENCH_WRK_MARKERS: options.markers.join('\t') } : {}),
  };
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.once('error', (error) =>
        reject(new Error(`wrk could not start (${error.message}); install it: apt-get install wrk`)),
      );
      child.once('close', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`wrk exited ${code}: ${stdout}`)),
      );
    });
    const line = /^WRK_RESULT (.*)$/m.exec(output)?.[1];
    if (!line) throw new Error(`no result from wrk:\n${output}`);
    const result = JSON.parse(line) as WrkResultLine;
    const { connect, read, write, timeout } = result.errors;
    return {
      checked: result.checked,
      requests: result.requests,
      bytesPerResponse: result.bytes / Math.max(1, result.requests),
      rps: result.requests / (result.durationUs / 1e6),
      p50Ms: result.p50Us / 1000,
      p95Ms: result.p95Us / 1000,
      p99Ms: result.p99Us / 1000,
      maxMs: result.maxUs / 1000,
      statuses: result.statuses,
      wrongBodies: result.wrongBodies,
      errorStatuses: result.errors.status,
      socketErrors: connect + read + write + timeout,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What was wrong with a run's answers, if anything: a checked run must hold only 200s with the
 * expected bodies; a measured run no error status, and responses of the size the checked run saw
 * (`checkedBytes`: the bytes per response of a checked run of the same scenario; a redirect or an
 * error page would differ).
 */
export function problemsOf(run: WrkRun, checkedBytes?: number): string | undefined {
  const problems: string[] = [];
  const other = Object.entries(run.statuses).filter(([status]) => status !== '200');
  if (other.length) problems.push(other.map(([status, n]) => `${n}× ${status}`).join(', '));
  if (run.wrongBodies) problems.push(`${run.wrongBodies} bodies without the expected content`);
  if (run.errorStatuses && !other.length) problems.push(`${run.errorStatuses} responses with status ≥ 400`);
  if (checkedBytes && Math.abs(run.bytesPerResponse / checkedBytes - 1) > 0.02) {
    problems.push(
      `${run.bytesPerResponse.toFixed(0)} bytes a response, ${checkedBytes.toFixed(0)} when checked`,
    );
  }
  if (run.socketErrors) problems.push(`${run.socketErrors} socket errors/timeouts`);
  if (!run.requests) problems.push('no answer at all');
  return problems.length ? problems.join('; ') : undefined;
}
