import { message } from '../i18n/translator';
import { ConflictException } from '@nestjs/common';
import {
  RegisterAdmin,
  type AdminAction,
  type AdminActionContext,
  type AdminColumn,
  type ModelAdmin,
} from '../admin/model-admin';
import { MailService } from './mail.service';

@RegisterAdmin()
export class OutgoingEmailAdmin implements ModelAdmin {
  readonly model = 'OutgoingEmail';
  readonly module = 'Mail';
  readonly label = 'Outgoing e-mail';
  readonly reprField = 'subject';
  readonly listDisplay = [
    'createdAt',
    'toAddress',
    'template',
    'subject',
    'status',
    'attempts',
    'error',
    'sentAt',
  ];
  readonly columns: Record<string, AdminColumn> = {
    // The SMTP server's last answer (why it is failed, or still queued for a retry); in full on the
    // e-mail's page.
    error: {
      label: 'Last error',
      value: (row) => {
        const error = typeof row.lastError === 'string' ? row.lastError : '';
        return error.length > 120 ? `${error.slice(0, 119)}…` : error || '—';
      },
    },
  };
  readonly searchFields = ['toAddress', 'subject'];
  readonly listFilter = ['status', 'createdAt', 'sentAt'];
  readonly ordering = ['-createdAt'];
  // One-time links are sealed in `secrets`; neither they nor the context are shown to staff.
  readonly secretFields = ['context', 'secrets'];
  readonly disallow = ['add', 'change'] as const;
  readonly actions: AdminAction[] = [
    {
      name: 'retry_failed',
      label: 'Retry failed e-mails',
      permission: 'change',
      description:
        'Failed messages among the selection are queued again with a fresh set of attempts; others are left alone.',
      run: (context) => this.retryFailed(context),
    },
  ];

  constructor(private readonly mail: MailService) {}

  private async retryFailed({ tx, ids }: AdminActionContext): Promise<string> {
    const failed = await tx.outgoingEmail.findMany({
      where: { id: { in: ids.map(String) }, status: 'failed' },
      select: { id: true },
    });
    let retried = 0;
    for (const { id } of failed) {
      try {
        await this.mail.retry(id, { tx });
        retried += 1;
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
    }
    return message('adminLabels.results.emailsRetried', { retried, skipped: ids.length - retried });
  }
}
