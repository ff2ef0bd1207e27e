/**
 * The containers' health check: `node dist/healthcheck.js` in the production image and stack,
 * `node src/healthcheck.ts` in development (Node runs this file as it is: it has no types). A
 * script file rather than an inline `node -e "…"`: one argument list without spaces works on every
 * engine that follows the Compose specification (podman's API splits inline code at spaces).
 *
 * Until this container's web process has once answered GET /health/ready with 200 (PostgreSQL and
 * Redis answer, migrations applied), it checks readiness: `depends_on: service_healthy`,
 * `up --wait` and Swarm's start-first updates wait for a replica that can serve. From then on it
 * checks /health/live only, like a Kubernetes startup probe followed by a liveness probe: an outage
 * of PostgreSQL or Redis makes every replica unready at once, and an orchestrator that replaces
 * unhealthy containers would restart them all to no avail. Standalone (reads PORT itself, loads no
 * app module): it runs every few seconds and must stay cheap; the slim image has no curl.
 */
// Built-in modules through process.getBuiltinModule, not `import`: without module syntax Node runs
// the .ts file as CommonJS directly, with no "reparsing as ES module" warning on every check.
function healthcheck(): void {
  const { existsSync, readdirSync, readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
  if (process.argv[2] === 'worker') {
    // The worker has no HTTP listener: healthy while its process runs in this container (it
    // exits on a fatal error, and the restart policy brings it back). An explicit check rather
    // than none: `up --wait` on podman reports a disabled one as health "" and gives up.
    const running = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .some((pid) => {
        try {
          return /(dist\/worker\.js|src\/worker\.ts)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
        } catch {
          return false;
        }
      });
    process.exit(running ? 0 : 1);
  }
  const { tmpdir } = process.getBuiltinModule('node:os');
  const port = process.env.PORT ?? '3000';
  const readyOnce = `${tmpdir()}/event-planner-ready-${port}`;
  const path = existsSync(readyOnce) ? '/health/live' : '/health/ready';

  fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4_000) }).then(
    (response) => {
      if (response.ok && path === '/health/ready') writeFileSync(readyOnce, new Date().toISOString());
      process.exit(response.ok ? 0 : 1);
    },
    () => process.exit(1),
  );
}

healthcheck();
