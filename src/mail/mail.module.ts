import { Module } from '@nestjs/common';
import { MailSecrets } from './mail-secrets';
import { MailService } from './mail.service';
import { MailTemplates } from './mail-templates';
import { UnsubscribeLinks } from './mail-lists';
import { OutgoingEmailAdmin } from './outgoing-email.admin';

/**
 * Sending e-mail, for every process: `MailService.send(template, to, context, { tx })` records and
 * queues; the worker delivers (MailWorkerModule). Needs CoreModule (Prisma, Bull) in the process.
 * OutgoingEmailAdmin is the admin's view of the outbox (found where there is an admin: the web).
 */
@Module({
  providers: [MailService, MailTemplates, MailSecrets, UnsubscribeLinks, OutgoingEmailAdmin],
  exports: [MailService, MailTemplates, MailSecrets, UnsubscribeLinks],
})
export class MailModule {}
