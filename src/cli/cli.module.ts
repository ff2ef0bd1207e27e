import { DynamicModule, Module } from '@nestjs/common';
import { AccountsCliModule } from '../accounts/accounts-cli.module';
import { AppConfig } from '../config/app-config';
import { BackupsCliModule } from '../backups/backups-cli.module';
import { CheckCommand } from './check.command';
import { CollectStaticCommand } from './collectstatic.command';
import { ConfigModule } from '../config/config.module';
import { MigrateCommand } from '../database/migrate.command';
import { EventsCliModule } from '../events/events-cli.module';
import { SendTestEmailCommand } from '../mail/send-test-email.command';

/**
 * Management commands (`npm run cli -- <command>`), like Django's manage.py. Commands that need
 * the database or queues import CoreModule; `migrate` deliberately needs only the configuration,
 * so it runs before anything else exists.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), AccountsCliModule, EventsCliModule, BackupsCliModule],
      providers: [MigrateCommand, CheckCommand, CollectStaticCommand, SendTestEmailCommand],
    };
  }
}
