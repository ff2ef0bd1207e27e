import { ConflictException } from '@nestjs/common';
import { MailService } from '../../mail/mail.service';
import type { ModelAdmin } from '../model-admin';

export const outgoingEmailAdmin: ModelAdmin = {
  model: 'OutgoingEmail',
  module: 'Mail',
  label: 'Outgoing e-mail',
  reprField: 'subject',
  listDisplay: ['createdAt', 'toAddress', 'template', 'subject', 'status', 'attempts', 'sentAt'],
  searchFields: ['toAddress', 'subject'],
  listFilter: ['status', 'createdAt', 'sentAt'],
  ordering: ['-createdAt'],
  // One-time links are sealed in `secrets`; neither they nor the context are shown to staff.
  secretFields: ['context', 'secrets'],
  disallow: ['add', 'change'],
  actions: [
    {
      name: 'retry_failed',
      label: 'Retry failed e-mails',
      permission: 'change',
      description:
        'Failed messages among the selection are queued again with a fresh set of attempts; others are left alone.',
      run: async ({ moduleRef, prisma, ids }) => {
        const mail = moduleRef.get(MailService, { strict: false });
        const failed = await prisma.outgoingEmail.findMany({
          where: { id: { in: ids.map(String) }, status: 'failed' },
          select: { id: true },
        });
        let retried = 0;
        for (const { id } of failed) {
          try {
            await mail.retry(id);
            retried += 1;
          } catch (error) {
            if (!(error instanceof ConflictException)) throw error;
          }
        }
        return `Queued ${retried} failed e-mail(s) again; ${ids.length - retried} were not failed.`;
      },
    },
  ],
};
