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
