import { dirname, join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { configureSessions } from '../accounts/web-session';
import { setupApiDocs } from '../api/api-docs';
import { AppModule } from '../app.module';
import { SchemaState } from '../database/schema-state';
import { anonymousPageCache } from '../events/anonymous-page-cache';
import type { AppConfig } from '../config/app-config';
import { PUBLIC_DIR } from '../paths';
import { mountQueueDashboard } from '../queue-dashboard/queue-dashboard';
import { MetricsService } from '../metrics/metrics.service';
import { schemaGate } from './schema-gate';
import { configureViews } from './views';

/**
 * Builds the web application (used by main.ts and by the end-to-end tests). Tests may pass a root
 * module that wraps `AppModule.forRoot(config)` with probe controllers of their own.
 */
export async function createWebApp(
  config: AppConfig,
  rootModule: DynamicModule = AppModule.forRoot(config),
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  // First, so every response is timed: static files, cached pages and errors included.
  const metrics = app.get(MetricsService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    metrics.observe(req, res);
    next();
  });
  app.use(schemaGate(app.get(SchemaState)));
  app.set('trust proxy', config.values.TRUST_PROXY);
  app.disable('x-powered-by');
  // No ETag (a SHA-1 of every page and JSON body) on dynamic responses: they are personal and change
  // often, so conditional GETs rarely hit, while hashing cost ~2 % of a page's CPU. Static files
  // keep theirs (serve-static).
  app.set('etag', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'upgrade-insecure-requests': config.isProduction ? [] : null },
      },
      strictTransportSecurity: config.isProduction,
    }),
  );
  configureViews(app, !config.isDevelopment);
  const staticOptions = { maxAge: config.isProduction ? '1d' : 0 };
  app.useStaticAssets(PUBLIC_DIR, { prefix: '/static/', ...staticOptions });
  app.useStaticAssets(join(dirname(require.resolve('@picocss/pico/package.json')), 'css'), {
    prefix: '/static/vendor/pico/',
    ...staticOptions,
  });
  // Public event pages for visitors without a session, straight from Redis (before sessions).
  app.use(anonymousPageCache(app));
  // Sessions, Passport, CSRF token and flash locals: after static files, before every route.
  configureSessions(app, config);
  // Bull Board: an Express router that needs req.user, so after the sessions.
  mountQueueDashboard(app, config);
  setupApiDocs(app);
  return app;
}
