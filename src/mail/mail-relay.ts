import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { QUEUES } from '../queue/queues';
import { MAIL_JOBS, mailJobOptions, type MailJobData } from './mail-jobs';

/** A send queues its own message right after recording it; the relay leaves it that long first. */
const GRACE_MS = 2_000;
/** A queued/sending message untouched this long may have lost its job (Redis data lost): check it. */
const STUCK_AFTER_MS = 10 * 60_000;
const BATCH = 500;

/**
 * The outbox relay (worker only): every MAIL_RELAY_INTERVAL_MS it queues e-mails that were recorded
 * while Redis was down (`enqueued_at` is null), and re-queues ones whose job vanished. Every worker
 * runs it; they cannot double-queue because a job id is the message id (an `add` for a job still in
 * Redis is a no-op), and delivery skips messages already sent.
 */
@Injectable()
export class MailRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MailRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @InjectQueue(QUEUES.mail) private readonly queue: Queue<MailJobData>,
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.values.MAIL_RELAY_INTERVAL_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.relay();
    try {
      const count = await this.running;
      if (count) this.logger.log(`Relay queued ${count} e-mail(s) that had not reached the queue`);
    } catch (error) {
      // Redis or PostgreSQL down: the next tick tries again.
      this.logger.debug(`Relay round failed: ${(error as Error).message}`);
    } finally {
      this.running = undefined;
    }
  }

  /** One round; returns how many messages it queued. Public for tests and the CLI. */
  async relay(): Promise<number> {
    const now = Date.now();
    const unqueued = await this.prisma.outgoingEmail.findMany({
      where: { status: 'queued', enqueuedAt: null, createdAt: { lt: new Date(now - GRACE_MS) } },
      orderBy: { createdAt: 'asc' },
      select: { id: true },
      take: BATCH,
    });
    const stuck = await this.prisma.outgoingEmail.findMany({
      where: {
        status: { in: ['queued', 'sending'] },
        enqueuedAt: { not: null },
        updatedAt: { lt: new Date(now - STUCK_AFTER_MS) },
      },
      orderBy: { updatedAt: 'asc' },
      select: { id: true },
      take: 100,
    });
    const queued: string[] = [];
    for (const { id } of [...unqueued, ...stuck]) {
      if (await this.requeue(id)) queued.push(id);
    }
    if (queued.length) {
      await this.prisma.outgoingEmail.updateMany({
        where: { id: { in: queued } },
        data: { enqueuedAt: new Date() },
      });
    }
    return queued.length;
  }

  /** Queues the message unless its job is still pending in Redis; true when a job was added. */
  private async requeue(id: string): Promise<boolean> {
    const existing = await this.queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed') return false;
      // A finished job would make the add below a no-op.
      await existing.remove();
    }
    await this.queue.add(MAIL_JOBS.send, { id }, mailJobOptions(id, this.config.values));
    return true;
  }
}
