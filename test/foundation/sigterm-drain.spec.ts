import http from 'node:http';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createEvent, createUser } from '../events/support';
import { eventually } from '../support/eventually';
import { freePort, startProcess, type RunningProcess } from '../support/processes';
import { startWebApp } from '../support/web-app';
import { serverErrors, startHttpLoad } from '../support/http-load';

const SHUTDOWN_TIMEOUT_MS = 15_000;
// How long the process keeps serving after readiness turns 503: a proxy's time to notice. The load
// below is that proxy, on a machine that may be loaded: it is given time to stop sending.
const DRAIN_DELAY_MS = 3_000;

/**
 * GET on one kept-alive connection; resolves with the status and the Connection header, or with
 * status 0 and the error when there was no answer (the connection was closed or refused).
 */
function get(
  agent: http.Agent,
  url: string,
): Promise<{ status: number; connection?: string; error?: string }> {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      })
      .on('error', (error) => resolve({ status: 0, error: error.message }));
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
    // The load goes on until readiness says 503, then stops sending, as a proxy would; what it has
    // in flight then must still be answered.
    const load = startHttpLoad(base, paths, { connections: 64, seconds: 120 });
    // A proxy's readiness probe on a connection of its own, kept alive (every 20 ms, so it is
    // never idle long enough to be closed): it sees the 503 on that connection.
    const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let signalledAt = 0;
    let probes = 0;
    const probing = (async () => {
      for (;;) {
        const probe = await get(probeAgent, `${base}/health/ready`);
        probes += 1;
        // Before the signal a loaded machine may fail a readiness check now and then (a slow
        // PostgreSQL ping): only the answers after it count. The drain's 503 closes the connection.
        if (signalledAt && (probe.status === 0 || (probe.status !== 200 && probe.connection === 'close'))) {
          return { ...probe, afterMs: Date.now() - signalledAt };
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    // Under way: the load has had 300 responses and the probe its first 200s.
    await load.responses(300);
    await eventually(() => expect(probes).toBeGreaterThanOrEqual(3));
    signalledAt = Date.now();
    web.child.kill('SIGTERM');
    const probe = await probing;
    const notReadyAfterMs = probe.afterMs;

    const stopping = load.stop();
    const exitCode = await web.exited;
    const stoppedAfterMs = Date.now() - signalledAt;
    const result = await stopping;
    probeAgent.destroy();

    const fivexx = serverErrors(result);
    process.stdout.write(
      `SIGTERM under load: ${result.requests} responses ${JSON.stringify(result.statuses)}, ${fivexx} 5xx, ` +
        `${JSON.stringify(result.cut)} cut off ${JSON.stringify(result.samples)}, ${result.refused} refused; ` +
        `readiness 503 after ${notReadyAfterMs} ms, exit ${exitCode} after ${stoppedAfterMs} ms\n`,
    );
    // Not ready before it stopped serving: the probe's connection got a 503 (not a reset or a refusal),
    // so a proxy stops routing here before any request could meet a closed port. (The delay itself
    // is printed above, not asserted: on a loaded machine the signal is handled late.)
    expect(probe).toMatchObject({ status: 503, connection: 'close' });
    expect(result.requests).toBeGreaterThan(300);
    expect(fivexx).toBe(0);
    expect(Object.keys(result.statuses)).toEqual(['200']);
    // Nothing sent to the process was cut off: no connection reset or closed under a request. (New
    // connections are refused once it stopped listening: the load counts those apart.)
    expect(result.cut).toEqual({});
    expect(exitCode).toBe(0);
    expect(stoppedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  }, 60_000);
});

/**
 * `docker compose stop` in development: nodemon and concurrently both pass the stop on, so the web
 * gets SIGTERM twice and SIGINT. The signals after the first must not end the drain (they used to
 * kill the process mid-drain, with its last log lines unwritten).
 */
describe('signals repeated during the drain (web)', () => {
  it('a second SIGTERM and a SIGINT neither cut the drain short nor the exit code', async () => {
    const web = startProcess('src/main.ts', [], {
      PORT: String(await freePort()),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      SHUTDOWN_DRAIN_DELAY_MS: '1000',
    });
    try {
      await web.waitForLine(/Web ready/, 60_000);
      web.child.kill('SIGTERM');
      await web.waitForLine(/Shutting down: draining/);
      web.child.kill('SIGTERM');
      web.child.kill('SIGINT');
      expect(await web.exited).toBe(0);
      expect(web.lines.filter((line) => /HTTP drained in \d+ ms/.test(line))).toHaveLength(1);
    } finally {
      await web.stop('SIGKILL');
    }
  }, 90_000);
});
