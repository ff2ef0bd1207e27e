import { DynamicModule, Module } from '@nestjs/common';
import { AccountsWorkerModule } from './accounts/accounts-worker.module';
import { AppConfig } from './config/app-config';
import { CoreModule } from './core/core.module';
import { EventsWorkerModule } from './events/events-worker.module';
import { MailWorkerModule } from './mail/mail-worker.module';
import { SchedulerModule } from './jobs/scheduler/scheduler.module';
import { SystemWorkerModule } from './jobs/system/system-worker.module';

/** The worker process: Bull processors only, no HTTP listener. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        CoreModule.forRoot(config),
        SchedulerModule,
        SystemWorkerModule,
        MailWorkerModule,
        AccountsWorkerModule,
        EventsWorkerModule,
      ],
    };
  }
}
