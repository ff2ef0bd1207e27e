/**
 * The image's HEALTHCHECK (`node dist/healthcheck.js`): exit 0 when this container's web process
 * answers GET /health/live. Standalone on purpose (reads PORT itself, loads no app module): it
 * runs every 30 s and must stay cheap; the slim image has no curl.
 */
const port = process.env.PORT ?? '3000';

fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(4_000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
