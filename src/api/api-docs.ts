import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiModule } from './api.module';

/** The OpenAPI document of /api/v1 at /api/docs (UI) and /api/docs-json (the document). */
export function setupApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Event Planner API')
    .setDescription(
      'Events and RSVPs. Authenticate with `Authorization: Bearer <token>` (create tokens on your profile ' +
        'page). Errors are `application/problem+json` with per-field `errors`; requests are rate-limited per token.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [ApiModule] });
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
