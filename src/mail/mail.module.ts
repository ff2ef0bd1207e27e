import { Module } from '@nestjs/common';
import { MailService } from './mail.service';
import { MailTemplates } from './mail-templates';
import { OutgoingEmailAdmin } from './outgoing-email.admin';

/**
 * Sending e-mail, for every process: `MailService.send(template, to, context, { tx })` records and
 * queues; the worker delivers (MailWorkerModule). Needs CoreModule (Prisma, Bull) in the process.
 * OutgoingEmailAdmin is the admin's view of the outbox (found where there is an admin: the web).
 */
@Module({
  providers: [MailService, MailTemplates, OutgoingEmailAdmin],
  exports: [MailService, MailTemplates],
})
export class MailModule {}
