import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { Logger, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { configureSessions } from '../accounts/web-session';
import { setupApiDocs } from '../api/api-docs';
import { AppModule } from '../app.module';
import { SchemaState } from '../database/schema-state';
import { anonymousPageCache } from '../events/anonymous-page-cache';
import { requestLogging } from '../logging/request-logging';
import type { AppConfig } from '../config/app-config';
import { mountQueueDashboard } from '../jobs/dashboard/queue-dashboard';
import { appServesMedia } from '../media/media.module';
import { MetricsService } from '../metrics/metrics.service';
import { privateResponses } from './private-responses';
import { staticSources } from './static-files';
import { configureRequestInput } from './request-input';
import { schemaGate } from './schema-gate';
import { securityHeaders, sendHeaders } from './security-headers';
import { configureViews } from './views';
import { languageMiddleware } from '../i18n/i18n.middleware';

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
    // Bodies are parsed by configureRequestInput, with its limits and checks.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  const security = securityHeaders(config);
  // Public event pages for visitors without a session, from memory or Redis, before Express.
  const pageCache = anonymousPageCache(app, security);
  if (pageCache) {
    answerBeforeExpress(app, (req, res, pass) => pageCache.answer(req, res, pass));
    app.use(pageCache.storeRenders);
  }
  // Its id (and logger) for every request that Express answers.
  app.use(requestLogging(app.get<Params>(PARAMS_PROVIDER_TOKEN)));
  // Every other response is timed: static files and errors included.
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
  app.use(sendHeaders(security));
  configureViews(app, !config.isDevelopment);
  // The cover image limit, said next to the field on the event forms.
  app.setLocal('coverMaxMb', config.values.COVER_IMAGE_MAX_MB);
  const staticOptions = { maxAge: config.isProduction ? '1d' : 0 };
  for (const { urlPrefix, dir } of staticSources()) {
    app.useStaticAssets(dir, { prefix: urlPrefix, ...staticOptions });
  }
  // Browsers ask for /favicon.ico whatever the page links (feed readers, tabs opened on a PDF…).
  app.use('/favicon.ico', (_req: Request, res: Response) => res.redirect(301, '/static/favicon.svg'));
  // Uploaded media (cover images: re-encoded WebP under fresh names, so cacheable for long). In
  // production the proxy serves the volume instead (docker/Caddyfile).
  if (appServesMedia(config)) {
    app.useStaticAssets(resolve(config.values.MEDIA_ROOT), {
      prefix: '/media/',
      maxAge: '30d',
      immutable: true,
      index: false,
      dotfiles: 'deny',
      fallthrough: true,
    });
  }
  // Sessions, Passport, CSRF token and flash locals: after static files, before every route.
  configureSessions(app, config);
  // Each request's language (the member's, the switcher's cookie, Accept-Language): needs req.user.
  app.use(languageMiddleware());
  // Responses for someone (a session, a bearer token) are never stored by caches.
  app.use(privateResponses());
  // Bodies parsed; malformed paths, queries and bodies refused (400) before any route sees them.
  configureRequestInput(app, config.values.COVER_IMAGE_MAX_MB * 1024 * 1024);
  // Bull Board: an Express router that needs req.user, so after the sessions.
  mountQueueDashboard(app, config);
  setupApiDocs(app);
  return app;
}

type FrontHandler = (req: IncomingMessage, res: ServerResponse, pass: () => void) => void;

/**
 * Runs `handler` on each request before Express does (Express's own dispatch, its request and
 * response prototypes and the router cost more than a whole page-cache hit); `pass` hands the
 * request on to Express. Listeners other code adds to the server (HttpDrain) still run first.
 */
function answerBeforeExpress(app: NestExpressApplication, handler: FrontHandler): void {
  const server = app.getHttpServer() as Server;
  const express = app.getHttpAdapter().getInstance() as (req: IncomingMessage, res: ServerResponse) => void;
  if (!server.listeners('request').includes(express)) {
    throw new Error("Express is not the HTTP server's request listener: cannot answer in front of it");
  }
  server.removeListener('request', express);
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    handler(req, res, () => express(req, res)),
  );
}
