import { Module } from '@nestjs/common';
import { MailModule } from './mail.module';
import { MailProcessor } from './mail.processor';
import { MailPurge } from './mail-purge';
import { MailRelay } from './mail-relay';
import { MailTransport } from './mail-transport';

/** Worker side of mail: SMTP delivery, the outbox relay and the purge schedule. Needs SchedulerModule. */
@Module({
  imports: [MailModule],
  providers: [MailTransport, MailProcessor, MailRelay, MailPurge],
})
export class MailWorkerModule {}
