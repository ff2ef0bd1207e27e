import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig } from './config/app-config';
import { CoreModule } from './core/core.module';
import { HealthModule } from './health/health.module';
import { HomeModule } from './home/home.module';
import { SystemModule } from './system/system.module';
import { ErrorFilter } from './web/error.filter';

/** The web process: pages, admin, API. Enqueues jobs; never processes them. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), HealthModule, SystemModule, HomeModule],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
