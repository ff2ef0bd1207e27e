import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CoreModule } from '../core/core.module';
import { MailModule } from './mail.module';

/**
 * Core plus MailModule, for standalone application contexts that send mail without the web app:
 * the `sendtestemail` command, the benchmark, tests.
 */
@Module({})
export class MailContextModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: MailContextModule, imports: [CoreModule.forRoot(config), MailModule] };
  }
}
