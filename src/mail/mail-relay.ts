import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import { AppConfig } from '../config/app-config';
import { InjectJobQueue, JobQueue } from '../jobs/queue/job-queue';
import { QUEUES } from '../jobs/queue/queues';
import { PrismaService } from '../prisma/prisma.service';
import { GroupCommit } from './group-commit';
import { MAIL_JOBS, MAIL_OUTBOX_CHANNEL, mailJobOptions, type MailJobData } from './mail-jobs';

/** A recorded message is queued by its sender or on its NOTIFY; the sweep leaves it that long first. */
const GRACE_MS = 2_000;
/** A queued/sending message untouched this long may have lost its job (Redis data lost): check it. */
const STUCK_AFTER_MS = 10 * 60_000;
const BATCH = 500;
const RELISTEN_DELAY_MS = 1_000;
/**
 * Written to Redis once the relay has checked every queued message against it. Missing, Redis lost
 * its data (restarted without persistence, flushed, failed over to an empty replica): the jobs of
 * messages still queued may be gone, so the next sweep checks them all at once instead of waiting
 * STUCK_AFTER_MS for each.
 */
export const RECONCILED_KEY = 'mail:relay:reconciled';
const RECONCILE_PAGE = 1_000;

/**
 * The outbox relay (worker only). It LISTENs on MAIL_OUTBOX_CHANNEL and queues the job of every
 * message committed in a caller's transaction as soon as PostgreSQL announces it; and every
 * MAIL_RELAY_INTERVAL_MS it sweeps up e-mails nobody queued (Redis was down, or no worker was
 * listening at the commit) and re-queues ones whose job vanished. Every worker runs it; they cannot
 * double-queue because a job id is the message id (an `add` for a job still in Redis is a no-op),
 * and delivery skips messages already sent. When Redis comes back empty (RECONCILED_KEY is gone),
 * the next sweep re-queues every message still queued whose job no longer exists.
 *
 * The listener is a plain node-postgres client: Prisma has no LISTEN.
 */
@Injectable()
export class MailRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MailRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private listener?: Client;
  private relistenTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    @InjectJobQueue(QUEUES.mail) private readonly queue: JobQueue<MailJobData>,
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.values.MAIL_RELAY_INTERVAL_MS);
    void this.listen();
    // A first sweep right away: what was left unqueued while no worker ran goes out now, not an
    // interval later (and Prisma's first query, which costs a ~150 ms pause, happens at start-up
    // instead of in the middle of deliveries).
    void this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    clearTimeout(this.relistenTimer);
    await this.listener?.end().catch(() => undefined);
    await this.running?.catch(() => undefined);
  }

  /** Announced messages, queued in batches; on failure the sweep queues them later. */
  private readonly announced = new GroupCommit<string, void>(async (ids) => {
    await this.queue.addBulk(ids.map((id) => this.mailJob(id)));
    await this.prisma.outgoingEmail.updateMany({
      where: { id: { in: ids }, enqueuedAt: null },
      data: { enqueuedAt: new Date() },
    });
    return ids.map(() => undefined);
  });

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.values.DATABASE_URL, keepAlive: true });
    this.listener = client;
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (this.closing) return;
      if (error) this.logger.warn(`Outbox listener lost (${error.message}); the sweep covers meanwhile`);
      this.relistenTimer = setTimeout(() => void this.listen(), RELISTEN_DELAY_MS);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', ({ payload }: Notification) => {
      // One id, or up to 200 comma-separated (MailService.sendMany).
      for (const id of (payload ?? '').split(',').filter(Boolean)) {
        this.announced.add(id).catch((error: Error) => {
          this.logger.debug(`Could not queue announced e-mail ${id} yet: ${error.message}`);
        });
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${MAIL_OUTBOX_CHANNEL}`);
    } catch (error) {
      lost(error as Error);
    }
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
    const recovered = (await this.queue.hasMarker(RECONCILED_KEY)) ? 0 : await this.reconcile();
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
    return recovered + queued.length;
  }

  /**
   * Re-queues every queued or sending message whose job is not in Redis (any more), page by page,
   * one look-up and one bulk add per page; then marks Redis as reconciled. Returns how many.
   */
  private async reconcile(): Promise<number> {
    const started = new Date();
    let requeued = 0;
    for (let after = ''; ;) {
      const rows = await this.prisma.outgoingEmail.findMany({
        where: {
          status: { in: ['queued', 'sending'] },
          enqueuedAt: { not: null },
          id: { gt: after || undefined },
        },
        orderBy: { id: 'asc' },
        select: { id: true },
        take: RECONCILE_PAGE,
      });
      if (!rows.length) break;
      after = rows[rows.length - 1].id;
      const missing = await this.queue.missing(rows.map((row) => row.id));
      if (missing.length) await this.queue.addBulk(missing.map((id) => this.mailJob(id)));
      requeued += missing.length;
    }
    await this.queue.setMarker(RECONCILED_KEY, started.toISOString());
    if (requeued)
      this.logger.warn(`Redis had lost the jobs of ${requeued} queued e-mail(s): queued them again`);
    return requeued;
  }

  /** Queues the message unless its job is still pending in Redis; true when a job was added. */
  private async requeue(id: string): Promise<boolean> {
    const existing = await this.queue.get(id);
    if (existing) {
      const state = await existing.state();
      if (state !== 'completed' && state !== 'failed') return false;
      // A finished job would make the add below a no-op.
      await existing.remove();
    }
    const job = this.mailJob(id);
    await this.queue.add(job.name, job.data, job.options);
    return true;
  }

  private mailJob(id: string) {
    return { name: MAIL_JOBS.send, data: { id }, options: mailJobOptions(id, this.config.values) };
  }
}
