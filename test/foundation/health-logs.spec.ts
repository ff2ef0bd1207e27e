import { freePort, startProcess } from '../support/processes';
import { TEST_ENV } from '../support/test-env';

/**
 * During an outage a load balancer probes /health/ready every few seconds: each failed probe is one
 * warning naming what is down, not an error with a stack.
 */
it('a failed readiness probe logs one warning line naming what is down', async () => {
  const port = await freePort();
  const deadDatabase = Object.assign(new URL(TEST_ENV.DATABASE_URL), { port: String(await freePort()) });
  const web = startProcess('src/main.ts', [], { PORT: String(port), DATABASE_URL: deadDatabase.toString() });
  try {
    await web.waitForLine(/Web ready/, 60_000);
    const before = web.lines.length;
    for (let probe = 0; probe < 2; probe += 1) {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { database: { status: 'down' } } });
    }
    await web.waitForLine(/Not ready/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logged = web.lines
      .slice(before)
      .map((line) => JSON.parse(line) as { level: number; msg: string; context?: string; err?: unknown });
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
    const health = logged.filter((entry) => entry.context === 'Health');
    expect(health).toHaveLength(2);
    for (const entry of health) {
      expect(entry.level).toBe(40);
      expect(entry.msg).toMatch(/^Not ready: database \(.+\) down$/);
      expect(entry.msg).not.toContain('\n');
      expect(entry.err).toBeUndefined();
    }
  } finally {
    await web.stop('SIGKILL');
  }
}, 90_000);

it('in development (pretty logs) a request is one line: method, path, status, time', async () => {
  const port = await freePort();
  const web = startProcess('src/main.ts', [], { PORT: String(port), LOG_LEVEL: 'info', LOG_PRETTY: 'true' });
  try {
    await web.waitForLine(/Web ready/, 60_000);
    const before = web.lines.length;
    expect((await fetch(`http://127.0.0.1:${port}/events`)).status).toBe(200);
    await web.waitForLine(/request completed GET \/events 200 \d+ ms$/);
    // Whatever else is printed meanwhile, nothing continues the request's line (was ten lines).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = web.lines.slice(before).filter(Boolean);
    expect(after.filter((line) => /request completed/.test(line))).toHaveLength(1);
    expect(after.filter((line) => !/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] [A-Z]+: /.test(line))).toEqual([]);
  } finally {
    await web.stop('SIGKILL');
  }
}, 90_000);
