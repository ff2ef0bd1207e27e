import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '../../src/config/app-config';
import { createWebApp } from '../../src/web/web-app';

/** The real web application, in process, with the test environment plus `overrides`. */
export async function startWebApp(overrides: Record<string, string> = {}): Promise<NestExpressApplication> {
  const app = await createWebApp(loadConfig({ ...process.env, ...overrides }));
  await app.init();
  return app;
}
