import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectJobQueue, JobQueue, type Job, type Repeat } from '../queue/job-queue';
import { QUEUES } from '../queue/queues';
import { ScheduleRegistry } from './schedule.registry';
import type { ScheduledJob } from './scheduled-job';

const RETRY_SYNC_MS = 10_000;

function repeatOf(job: ScheduledJob): Repeat {
  return job.cron ? { cron: job.cron } : { every: job.every! };
}

/**
 * Installs the registered jobs as Bull repeatable jobs on the `scheduler` queue and runs them.
 * Bull gives each occurrence a deterministic job id, so with any number of workers each occurrence
 * is queued once and run by exactly one of them. Schedules no longer registered (renamed, changed)
 * are removed at startup.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Scheduler.name);
  private retry?: NodeJS.Timeout;

  constructor(
    @InjectJobQueue(QUEUES.scheduler) private readonly queue: JobQueue,
    private readonly registry: ScheduleRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.process('*', 1, (job) => this.run(job));
    void this.syncUntilDone();
  }

  onModuleDestroy(): void {
    clearTimeout(this.retry);
  }

  private async syncUntilDone(): Promise<void> {
    try {
      await this.sync();
    } catch (error) {
      this.logger.warn(`Could not install schedules (retrying): ${(error as Error).message}`);
      this.retry = setTimeout(() => void this.syncUntilDone(), RETRY_SYNC_MS);
    }
  }

  /** Makes Bull's repeatable jobs match the registry. */
  async sync(): Promise<void> {
    const wanted = this.registry.list();
    for (const existing of await this.queue.repeatables()) {
      const keep = wanted.some(
        (job) =>
          job.name === existing.name &&
          (job.cron ? existing.cron === job.cron : existing.every === job.every),
      );
      if (!keep) {
        await this.queue.removeRepeatable(existing.key);
        this.logger.log(
          `Removed schedule ${existing.name} (${existing.cron ?? `every ${existing.every} ms`})`,
        );
      }
    }
    for (const job of wanted) {
      await this.queue.repeat(job.name, {}, repeatOf(job), { removeOnComplete: 100, removeOnFail: 100 });
    }
    if (wanted.length) {
      this.logger.log(
        `Schedules installed: ${wanted.map((job) => `${job.name} (${job.cron ?? `every ${job.every} ms`})`).join(', ')}`,
      );
    }
  }

  private async run(job: Job<unknown>): Promise<unknown> {
    const scheduled = this.registry.get(job.name);
    if (!scheduled) {
      // Installed by a newer or older worker version; not ours to run.
      this.logger.warn(`No scheduled job named ${job.name} in this worker; skipping`);
      return { skipped: 'unknown job' };
    }
    const started = Date.now();
    const result = await scheduled.run();
    this.logger.log(`Scheduled job ${job.name} done in ${Date.now() - started} ms`);
    return result;
  }
}
