import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '../../src/config/app-config';
import { createWebApp } from '../../src/web/web-app';

/**
 * The real web application, in process, with the test environment plus `overrides`, listening on
 * 127.0.0.1 (`port`, or one the system picks). Listening once for the whole test: given a server
 * that is not listening, supertest opens and closes one for every request, and that churn made
 * requests fail now and then under load (`connect ECONNREFUSED` in CI).
 */
export async function startWebApp(
  overrides: Record<string, string> = {},
  { port = 0 }: { port?: number } = {},
): Promise<NestExpressApplication> {
  return listening(await createWebApp(loadConfig({ ...process.env, ...overrides })), port);
}

/** Initialises `app` and listens on 127.0.0.1:`port` (0: one the system picks). */
export async function listening<App extends NestExpressApplication>(app: App, port = 0): Promise<App> {
  await app.listen(port, '127.0.0.1');
  return app;
}

/** The base URL of a web app that `startWebApp` started. */
export function baseUrlOf(app: NestExpressApplication): string {
  const address = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}
