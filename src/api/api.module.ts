import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { EventsModule } from '../events/events.module';
import { EventsCoreModule } from '../events/events-core.module';
import { ApiRateLimitGuard } from './api-rate-limit.guard';
import { EventsApiController } from './events-api.controller';

/** The JSON API under /api/v1 (OpenAPI at /api/docs, see api-docs.ts). */
@Module({
  imports: [EventsCoreModule, EventsModule, AccountsModule],
  controllers: [EventsApiController],
  providers: [ApiRateLimitGuard],
})
export class ApiModule {}
