/**
 * Nest closes the app on SIGTERM/SIGINT (enableShutdownHooks): the web stops accepting and drains
 * in-flight requests, the worker lets Bull finish the job it holds. If that takes longer than the
 * grace period, exit anyway (the orchestrator would SIGKILL us soon after).
 */
export function exitIfShutdownStalls(timeoutMs: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`Shutdown took longer than ${timeoutMs} ms; exiting.\n`);
        process.exit(1);
      }, timeoutMs).unref();
    });
  }
}
