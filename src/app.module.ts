import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { ApiModule } from './api/api.module';
import { AppConfig } from './config/app-config';
import { CoreModule } from './core/core.module';
import { debugToolbarEnabled } from './debug-toolbar/debug-toolbar.config';
import { DebugToolbarModule } from './debug-toolbar/debug-toolbar.module';
import { HealthModule } from './health/health.module';
import { I18nModule } from './i18n/i18n.module';
import { MailModule } from './mail/mail.module';
import { MailPreviewsModule } from './mail/mail-previews.module';
import { MetricsModule } from './metrics/metrics.module';
import { EventsModule } from './events/events.module';
import { SystemModule } from './jobs/system/system.module';
import { TasksModule } from './jobs/tasks/tasks.module';
import { ErrorFilter } from './web/error.filter';
import { RecordIdPipe } from './web/route-params';

/** The web process: pages, admin, API. Enqueues jobs; never processes them. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        HealthModule,
        I18nModule,
        MetricsModule,
        SystemModule,
        MailModule,
        MailPreviewsModule,
        EventsModule,
        TasksModule,
        ApiModule,
        AccountsModule,
        AdminModule,
        // Development only (never in production): SQL, cache and render timings on every page.
        ...(debugToolbarEnabled(config) ? [DebugToolbarModule] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        // Route parameters typed `number` are record ids: out of the int4 range is a 404.
        { provide: APP_PIPE, useClass: RecordIdPipe },
      ],
    };
  }
}
