import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { ScheduleRegistry } from '../jobs/scheduler/schedule.registry';

const BATCH = 1_000;

/** Daily purge of spent and expired e-mail verification / password reset tokens (worker only). */
@Injectable()
export class TokenPurge implements OnModuleInit {
  private readonly logger = new Logger(TokenPurge.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly registry: ScheduleRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      name: 'accounts.purge-expired-tokens',
      cron: '15 3 * * *',
      run: () => this.purge().then((purged) => ({ purged })),
    });
  }

  /** Deletes in batches so the table is never locked for long; returns how many rows went. */
  async purge(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.prisma.$executeRaw`
        DELETE FROM "account_tokens" WHERE "id" IN (
          SELECT "id" FROM "account_tokens"
          WHERE "expires_at" < ${now} OR "used_at" IS NOT NULL
          LIMIT ${BATCH}
        )`;
      total += deleted;
      if (deleted < BATCH) break;
    }
    this.logger.log(`Purged ${total} spent or expired account token(s)`);
    return total;
  }
}
