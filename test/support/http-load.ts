import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface HttpLoadResult {
  /** Whole responses received. */
  requests: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** Connections refused (the server no longer listened; nothing was sent). */
  refused: number;
  /** Requests sent whose connection failed before the response came back, by error code. */
  cut: Record<string, number>;
  samples: string[];
  /** The longest a whole response took. */
  slowestMs: number;
}

/**
 * Load from outside the test process: test/support/http-load-process.js in its own Node process,
 * `connections` keep-alive connections for `seconds`, cycling through `paths` on `baseUrl` (a path
 * may start with its method: `POST /api/…`).
 */
export function runHttpLoad(
  baseUrl: string,
  paths: string[],
  options: HttpLoadOptions = {},
): Promise<HttpLoadResult> {
  return startHttpLoad(baseUrl, paths, { seconds: 5, ...options }).result;
}

interface HttpLoadOptions {
  connections?: number;
  seconds?: number;
  headers?: Record<string, string>;
}

/**
 * Like runHttpLoad, for as long as something else takes: `stop()` ends the load (the requests in
 * flight finish) and gives the result; `seconds` is only the upper bound.
 */
export function startHttpLoad(
  baseUrl: string,
  paths: string[],
  { connections = 64, seconds = 600, headers = {} }: HttpLoadOptions = {},
): {
  result: Promise<HttpLoadResult>;
  stop: () => Promise<HttpLoadResult>;
  /** Resolves once at least `count` whole responses came back (rejects if the load ends first). */
  responses: (count: number) => Promise<void>;
} {
  const child = spawn(
    process.execPath,
    [resolve(__dirname, 'http-load-process.js'), baseUrl, String(connections), String(seconds), ...paths],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HTTP_LOAD_HEADERS: JSON.stringify(headers) },
    },
  );
  let output = '';
  let received = 0;
  const waiters = new Set<{ count: number; resolve: () => void }>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const [, count] of chunk.matchAll(/HTTP_LOAD_RESPONSES (\d+)/g)) received = Number(count);
    for (const waiter of waiters) {
      if (received < waiter.count) continue;
      waiters.delete(waiter);
      waiter.resolve();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const result = new Promise<HttpLoadResult>((resolveResult, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = /HTTP_LOAD (\{.*\})/.exec(output)?.[1];
      if (code !== 0 || !line) return reject(new Error(`http-load exited ${code}:\n${output}`));
      resolveResult(JSON.parse(line) as HttpLoadResult);
    });
  });
  return {
    result,
    stop: () => {
      child.kill('SIGTERM');
      return result;
    },
    responses: (count) =>
      received >= count
        ? Promise.resolve()
        : new Promise<void>((resolveCount, reject) => {
            waiters.add({ count, resolve: resolveCount });
            void result.then(
              () => reject(new Error(`http-load ended after ${received} responses, before ${count}`)),
              reject,
            );
          }),
  };
}

/** How many responses had a status of 500 or more. */
export function serverErrors(result: HttpLoadResult): number {
  return Object.entries(result.statuses)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, count]) => sum + count, 0);
}
