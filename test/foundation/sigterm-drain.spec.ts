import http from 'node:http';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createEvent, createUser } from '../events/support';
import { eventually } from '../support/eventually';
import { freePort, startProcess, type RunningProcess } from '../support/processes';
import { startWebApp } from '../support/web-app';
import { runHttpLoad, serverErrors } from '../support/http-load';

const SHUTDOWN_TIMEOUT_MS = 8_000;
const DRAIN_DELAY_MS = 1_000;

/** GET on one kept-alive connection; resolves with the status and the Connection header. */
function get(agent: http.Agent, url: string): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      })
      .on('error', reject);
  });
}

/**
 * A deploy: the web process gets SIGTERM in the middle of 64 keep-alive connections of load from
 * another process (pages that query PostgreSQL and use Redis). Nothing a client sent may be answered with a
 * 5xx or cut off; readiness turns 503 at once so a proxy stops routing; the process exits 0 in time.
 */
describe('SIGTERM under load (web)', () => {
  let web: RunningProcess;
  let port: number;
  let paths: string[];

  beforeAll(async () => {
    const app = await startWebApp();
    const prisma = app.get(PrismaService);
    const organizer = await createUser(prisma);
    const events = await Promise.all(
      ['Alpha picnic', 'Beta concert', 'Gamma lecture'].map((title) =>
        createEvent(prisma, organizer.id, { title }),
      ),
    );
    await app.close();
    // Event pages and searches straight from PostgreSQL (no page cache), the log-in form through
    // the Redis session store.
    paths = [...events.map((event) => `/events/${event.id}`), '/events?q=concert', '/accounts/login'];
    port = await freePort();
    web = startProcess('src/main.ts', [], {
      PORT: String(port),
      EVENTS_PAGE_CACHE: 'false',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      // Readiness 503 first, while still serving for a moment: so the probe below always sees it,
      // even when its request was in flight at the signal (answered 200, then that connection closes).
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      LOG_LEVEL: 'warn',
    });
    // (At warn, the process prints no "ready" line: wait until it answers.)
    await eventually(async () => {
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    }, 60_000);
  }, 90_000);

  afterAll(async () => {
    await web?.stop('SIGKILL');
  });

  it('answers every request it took, says it is not ready, and exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const base = `http://127.0.0.1:${port}`;
    const load = runHttpLoad(base, paths, { connections: 64, seconds: 5 });
    // A proxy's readiness probe on a connection of its own, kept alive (every 20 ms, so it is
    // never idle long enough to be closed): it sees the 503 on that connection.
    const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let signalledAt = 0;
    const probing = (async () => {
      for (;;) {
        const probe = await get(probeAgent, `${base}/health/ready`);
        if (probe.status !== 200 || (signalledAt && Date.now() - signalledAt > DRAIN_DELAY_MS)) {
          return { ...probe, afterMs: Date.now() - signalledAt };
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    signalledAt = Date.now();
    web.child.kill('SIGTERM');
    const probe = await probing;
    const notReadyAfterMs = probe.afterMs;

    const exitCode = await web.exited;
    const stoppedAfterMs = Date.now() - signalledAt;
    const result = await load;
    probeAgent.destroy();

    const fivexx = serverErrors(result);
    process.stdout.write(
      `SIGTERM under load: ${result.requests} responses ${JSON.stringify(result.statuses)}, ${fivexx} 5xx, ` +
        `${JSON.stringify(result.cut)} cut off ${JSON.stringify(result.samples)}, ${result.refused} refused; ` +
        `readiness 503 after ${notReadyAfterMs} ms, exit ${exitCode} after ${stoppedAfterMs} ms\n`,
    );
    expect(probe.status).toBe(503);
    expect(probe.connection).toBe('close');
    expect(notReadyAfterMs).toBeLessThan(500);
    expect(result.requests).toBeGreaterThan(500);
    expect(fivexx).toBe(0);
    expect(Object.keys(result.statuses)).toEqual(['200']);
    // Nothing sent to the process was cut off: no connection reset or closed under a request. (New
    // connections are refused once it stopped listening: the load counts those apart.)
    expect(result.cut).toEqual({});
    expect(exitCode).toBe(0);
    expect(stoppedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  }, 60_000);
});
