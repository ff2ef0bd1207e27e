import type { INestApplicationContext } from '@nestjs/common';

/**
 * What must happen before the application's providers close: for the web, draining the HTTP
 * server (the database and Redis must outlive every request it took). Given the time by which it
 * must be done, leaving the rest of the grace period for closing connections.
 */
export type BeforeClose = (deadline: number) => Promise<void>;

/**
 * Graceful stop on SIGTERM/SIGINT: `beforeClose` first (the web drains its HTTP server), then
 * `app.close()` closes PostgreSQL, Redis and the queues (and makes the worker let Bull finish the
 * job it holds); then exit 0. Nest's own enableShutdownHooks re-raises the signal after closing
 * (exit "by SIGTERM"), which hides whether the shutdown was clean, and closes providers before the
 * HTTP server (requests on kept-alive connections then met a closed pool); this exits 0 when the
 * shutdown was clean, and 1 when it overran the grace period (the orchestrator would SIGKILL us
 * soon after anyway).
 */
export function closeOnSignals(
  app: INestApplicationContext,
  timeoutMs: number,
  beforeClose?: BeforeClose,
): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const started = Date.now();
    setTimeout(() => {
      process.stderr.write(`Shutdown after ${signal} took longer than ${timeoutMs} ms; exiting.\n`);
      process.exit(1);
    }, timeoutMs).unref();
    // Closing connections takes milliseconds; keep a margin of the grace period for it.
    const deadline = started + timeoutMs - Math.min(2_000, timeoutMs / 4);
    Promise.resolve()
      .then(() => beforeClose?.(deadline))
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: Error) => {
          process.stderr.write(`Shutdown failed: ${error.message}\n`);
          process.exit(1);
        },
      );
  };
  // `on`, not `once`: a second signal must not end the drain. In development nodemon and
  // concurrently both pass a stop on (SIGTERM and SIGINT, SIGTERM twice); with the listener gone
  // after the first, the second killed the process mid-drain, before its log lines were written.
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
