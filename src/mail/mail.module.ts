import { Module } from '@nestjs/common';
import { MailSecrets } from './mail-secrets';
import { MailService } from './mail.service';
import { MailTemplates } from './mail-templates';

/**
 * Sending e-mail, for every process: `MailService.send(template, to, context, { tx })` records and
 * queues; the worker delivers (MailWorkerModule). Needs CoreModule (Prisma, Bull) in the process.
 */
@Module({
  providers: [MailService, MailTemplates, MailSecrets],
  exports: [MailService, MailTemplates, MailSecrets],
})
export class MailModule {}
