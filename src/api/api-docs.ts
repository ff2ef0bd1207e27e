import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';
import { PUBLIC_OPERATION } from './api-docs-extensions';
import { ApiModule } from './api.module';

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** The OpenAPI document of /api/v1 (served at /api/docs-json; the UI at /api/docs). */
export function apiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Event Planner API')
    .setDescription(
      'Events and RSVPs. Authenticate with `Authorization: Bearer <token>` (create tokens on your profile ' +
        'page); reading published events needs no token. Errors are `application/problem+json` with ' +
        'per-field `errors`; requests are rate-limited per token (per client address without one).',
    )
    .setVersion('1')
    .addServer(app.get(AppConfig).values.APP_URL, 'This installation')
    // Opaque tokens from the profile page (not JWTs).
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API token from your profile page' })
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [ApiModule] });
  // Operations open to anonymous callers: no token, or a valid one (OpenAPI's optional security).
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method] as (Record<string, unknown> & { security?: unknown }) | undefined;
      if (!operation?.[PUBLIC_OPERATION]) continue;
      delete operation[PUBLIC_OPERATION];
      operation.security = [{}, { bearer: [] }];
    }
  }
  return document;
}

/** The OpenAPI document of /api/v1 at /api/docs (UI) and /api/docs-json (the document). */
export function setupApiDocs(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, apiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    customSiteTitle: 'Event Planner API',
    customfavIcon: '/static/favicon.svg',
    // Served from public/ like every other file (no CDN): colours that pass axe-core's contrast
    // check, and a name for the server picker.
    customCssUrl: '/static/api-docs.css',
    customJs: '/static/js/api-docs.js',
    // Without deep links, an operation's summary button holds no link (axe-core: nested-interactive).
    swaggerOptions: { deepLinking: false },
  });
}
