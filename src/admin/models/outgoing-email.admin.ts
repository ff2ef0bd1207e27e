import { ConflictException } from '@nestjs/common';
import { MailService } from '../../mail/mail.service';
import type { ModelAdmin } from '../model-admin';

export const outgoingEmailAdmin: ModelAdmin = {
  model: 'OutgoingEmail',
  module: 'Mail',
  label: 'Outgoing e-mail',
  reprField: 'subject',
  listDisplay: ['createdAt', 'toAddress', 'template', 'subject', 'status', 'attempts', 'error', 'sentAt'],
  columns: {
    // The SMTP server's last answer (why it is failed, or still queued for a retry); in full on the
    // e-mail's page.
    error: {
      label: 'Last error',
      value: (row) => {
        const error = typeof row.lastError === 'string' ? row.lastError : '';
        return error.length > 120 ? `${error.slice(0, 119)}…` : error || '—';
      },
    },
  },
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
      run: async ({ moduleRef, tx, ids }) => {
        const mail = moduleRef.get(MailService, { strict: false });
        const failed = await tx.outgoingEmail.findMany({
          where: { id: { in: ids.map(String) }, status: 'failed' },
          select: { id: true },
        });
        let retried = 0;
        for (const { id } of failed) {
          try {
            await mail.retry(id, { tx });
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
