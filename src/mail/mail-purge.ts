import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { ScheduleRegistry } from '../jobs/scheduler/schedule.registry';

const BATCH = 1_000;

/** Scheduled purge of sent e-mails older than MAIL_PURGE_SENT_AFTER_DAYS (failed ones stay for the admin). */
@Injectable()
export class MailPurge implements OnModuleInit {
  private readonly logger = new Logger(MailPurge.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly registry: ScheduleRegistry,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      name: 'mail.purge-sent',
      cron: this.config.values.MAIL_PURGE_CRON,
      run: () => this.purge().then((purged) => ({ purged })),
    });
  }

  /** Deletes in small batches so the table is never locked for long; returns how many rows went. */
  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.values.MAIL_PURGE_SENT_AFTER_DAYS * 86_400_000);
    let total = 0;
    for (;;) {
      const deleted = await this.prisma.$executeRaw`
        DELETE FROM "outgoing_emails" WHERE "id" IN (
          SELECT "id" FROM "outgoing_emails"
          WHERE "status" = 'sent' AND "sent_at" < ${cutoff}
          LIMIT ${BATCH}
        )`;
      total += deleted;
      if (deleted < BATCH) break;
    }
    this.logger.log(`Purged ${total} sent e-mail(s) older than ${cutoff.toISOString()}`);
    return total;
  }
}
