import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { CoreModule } from './core/core.module';
import { SystemWorkerModule } from './system/system-worker.module';

/** The worker process: Bull processors only, no HTTP listener. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(config), SystemWorkerModule],
    };
  }
}
