import type { NestExpressApplication } from '@nestjs/platform-express';
import { SystemService } from '../../src/jobs/system/system.service';
import { startProcess, type RunningProcess } from '../support/processes';
import { startWebApp } from '../support/web-app';

function jsonLines(lines: string[]): Array<Record<string, unknown>> {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('processes', () => {
  describe('web enqueues, the separate worker process completes', () => {
    let worker: RunningProcess;
    let app: NestExpressApplication;

    beforeAll(async () => {
      worker = startProcess('src/worker.ts');
      await worker.waitForLine(/Worker ready/);
      app = await startWebApp();
    });
    afterAll(async () => {
      await app?.close();
      await worker?.stop();
    });

    it('runs a job in the worker, whose log lines carry the job id', async () => {
      const result = await app.get(SystemService).pingWorker('hello');
      expect(result.echo).toBe('hello');
      expect(result.pid).toBe(worker.child.pid);
      expect(result.pid).not.toBe(process.pid);

      // Logged through pino's transport: it may reach us a moment after the job's result.
      await worker.waitForLine(/"msg":"ping received"/, 5_000);
      const line = jsonLines(worker.lines).find((entry) => entry.msg === 'ping received');
      expect(line).toMatchObject({ queue: 'system', jobName: 'ping' });
      expect(line?.jobId).toEqual(expect.any(String));
    });

    it('exits cleanly on SIGTERM', async () => {
      const started = Date.now();
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('and without a worker, a job is not completed (the test above is not vacuous)', async () => {
      await expect(app.get(SystemService).pingWorker('nobody home', 1_500)).rejects.toThrow(
        /no worker answered/,
      );
    });
  });

  it('the web process logs JSON in production with a request id, and exits cleanly on SIGTERM', async () => {
    const port = String(40_000 + Math.floor(Math.random() * 10_000));
    const web = startProcess('src/main.ts', [], { NODE_ENV: 'production', PORT: port });
    try {
      await web.waitForLine(/Web ready/);
      const response = await fetch(`http://127.0.0.1:${port}/?token=abc`, {
        headers: { 'X-Request-Id': 'req-42', Authorization: 'Bearer top-secret', Cookie: 'sid=also-secret' },
      });
      expect(response.status).toBe(200);
      const deadline = Date.now() + 5_000;
      while (!web.lines.some((line) => line.includes('req-42')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const entry = jsonLines(web.lines).find((line) => (line.req as { id?: string })?.id === 'req-42');
      expect(entry).toBeDefined();
      const text = JSON.stringify(entry);
      expect(text).not.toContain('top-secret');
      expect(text).not.toContain('also-secret');
      expect(text).not.toContain('token=abc');
      expect(await web.stop('SIGTERM')).toBe(0);
    } finally {
      await web.stop('SIGKILL');
    }
  });

  it.each([
    ['src/main.ts', 'DATABASE_URL', 'nonsense'],
    ['src/worker.ts', 'REDIS_URL', 'not-a-url'],
    ['src/main.ts', 'PORT', 'eighty'],
  ])('%s with %s=%s exits non-zero with one line naming it', async (entry, name, value) => {
    const child = startProcess(entry, [], { [name]: value });
    expect(await child.exited).not.toBe(0);
    const output = child.lines.filter((line) => line.trim());
    expect(output).toHaveLength(1);
    expect(output[0]).toMatch(new RegExp(`^Invalid configuration: ${name} `));
  });
});
