import type { INestApplicationContext } from '@nestjs/common';

/**
 * Graceful stop on SIGTERM/SIGINT: `app.close()` makes the web stop accepting and finish in-flight
 * requests, and makes the worker let Bull finish the job it holds; then exit 0. Nest's own
 * enableShutdownHooks re-raises the signal after closing (exit "by SIGTERM"), which hides whether
 * the shutdown was clean; this exits 0 when it was, and 1 when it overran the grace period (the
 * orchestrator would SIGKILL us soon after anyway).
 */
export function closeOnSignals(app: INestApplicationContext, timeoutMs: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    setTimeout(() => {
      process.stderr.write(`Shutdown after ${signal} took longer than ${timeoutMs} ms; exiting.\n`);
      process.exit(1);
    }, timeoutMs).unref();
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`Shutdown failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
