import { Inject, Logger } from '@nestjs/common';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import type Bull from 'bull';
import { jobContext } from '../../logging/job-context';
import type { QueueName } from './queues';

/**
 * The job queue as the rest of the app sees it: add, add in bulk, get, process, repeat. Bull enters
 * here (and in QueueModule, which connects it) and nowhere else, so a feature names what it does
 * with a job, not how Bull stores it, and tests can hand a feature another JobQueue.
 */

/** How a job is queued: its id (a second add with an id still in Redis is a no-op), retries, clean-up. */
export type JobOptions = Pick<
  Bull.JobOptions,
  'jobId' | 'attempts' | 'backoff' | 'delay' | 'removeOnComplete' | 'removeOnFail'
>;

/** A job as its processor sees it. */
export type Job<Data> = Pick<Bull.Job<Data>, 'id' | 'name' | 'data' | 'attemptsMade' | 'opts'> & {
  /** No retry after this attempt, whatever attempts are left (a failure no retry can mend). */
  discard(): Promise<void>;
};

/** A job looked up or just added, from the side that queued it. */
export interface QueuedJob<Result = unknown> {
  readonly id: string;
  state(): Promise<'completed' | 'waiting' | 'active' | 'delayed' | 'failed' | 'paused' | 'stuck'>;
  /** Gone from Redis: a later add with its id queues it anew. */
  remove(): Promise<void>;
  /** Resolves with the processor's result once a worker completed it (rejects if it failed). */
  finished(): Promise<Result>;
}

/** A repeatable job: a cron expression (evaluated in UTC), or a fixed interval in milliseconds. */
export type Repeat = { cron: string } | { every: number };

export interface RepeatableJob {
  /** Identifies the schedule (for removeRepeatable). */
  key: string;
  name: string;
  cron?: string;
  every?: number;
}

export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'failed' | 'completed', number>;

/** `@InjectJobQueue(QUEUES.mail) queue: JobQueue<MailJobData>`: the queue of that name. */
export const jobQueueToken = (name: QueueName) => `job-queue:${name}`;
export const InjectJobQueue = (name: QueueName) => Inject(jobQueueToken(name));

function queued<Result>(job: Bull.Job): QueuedJob<Result> {
  return {
    id: String(job.id),
    state: () => job.getState(),
    remove: () => job.remove(),
    finished: () => job.finished() as Promise<Result>,
  };
}

export class JobQueue<Data = unknown> {
  private readonly logger: Logger;

  constructor(private readonly bull: Bull.Queue<Data>) {
    this.logger = new Logger(`JobQueue:${bull.name}`);
  }

  get name(): string {
    return this.bull.name;
  }

  async add<Result = unknown>(
    name: string,
    data: Data,
    options: JobOptions = {},
  ): Promise<QueuedJob<Result>> {
    return queued<Result>(await this.bull.add(name, data, options));
  }

  /** One round trip for them all. */
  async addBulk(jobs: { name: string; data: Data; options?: JobOptions }[]): Promise<void> {
    await this.bull.addBulk(jobs.map(({ name, data, options }) => ({ name, data, opts: options })));
  }

  async get<Result = unknown>(id: string): Promise<QueuedJob<Result> | null> {
    const job = await this.bull.getJob(id);
    return job ? queued<Result>(job) : null;
  }

  /** The ids among `ids` whose jobs Redis does not hold (any more): one pipeline of EXISTS. */
  async missing(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const pipeline = this.bull.client.pipeline();
    for (const id of ids) pipeline.exists(this.bull.toKey(id));
    const exists = (await pipeline.exec()) ?? [];
    return ids.filter((_, index) => exists[index]?.[1] === 0);
  }

  /**
   * A key kept in Redis beside the jobs (and over the queue's own connection), so its absence tells
   * that Redis lost the queue's data: restarted without persistence, flushed, failed over empty.
   */
  async hasMarker(key: string): Promise<boolean> {
    return (await this.bull.client.exists(key)) === 1;
  }

  async setMarker(key: string, value: string): Promise<void> {
    await this.bull.client.set(key, value);
  }

  /**
   * Runs `handler` for jobs named `name` (`*`: every name), `concurrency` at a time, in this
   * process (the worker's modules call it at start-up). Each run's log lines carry the queue, job id
   * and name. The returned value is the job's result; a throw fails the attempt (retried while
   * attempts are left).
   */
  process(name: string, concurrency: number, handler: (job: Job<Data>) => Promise<unknown>): void {
    // `process` resolves only when the queue closes; a failure to start is logged, Bull retries.
    this.bull
      .process(name, concurrency, (job: Bull.Job<Data>) =>
        jobContext.run({ queue: this.bull.name, jobId: String(job.id), jobName: job.name }, () =>
          handler(job),
        ),
      )
      .catch((error: Error) => this.logger.error(`Processing ${name} stopped: ${error.message}`));
  }

  /** Called when an attempt failed (also for jobs that stalled too often, which no handler sees). */
  onFailed(listener: (job: Job<Data>, error: Error) => void): void {
    this.bull.on('failed', listener);
  }

  /**
   * Installs a repeatable job. Each occurrence gets a deterministic id, so with any number of
   * workers it is queued once and run by one of them.
   */
  async repeat(name: string, data: Data, repeat: Repeat, options: JobOptions = {}): Promise<void> {
    await this.bull.add(name, data, {
      ...options,
      repeat: 'cron' in repeat ? { cron: repeat.cron, tz: 'UTC' } : { every: repeat.every },
    });
  }

  async repeatables(): Promise<RepeatableJob[]> {
    return (await this.bull.getRepeatableJobs()).map(({ key, name, cron, every }) => ({
      key,
      name,
      cron: cron || undefined,
      every: every ? Number(every) : undefined,
    }));
  }

  async removeRepeatable(key: string): Promise<void> {
    await this.bull.removeRepeatableByKey(key);
  }

  counts(): Promise<JobCounts> {
    return this.bull.getJobCounts();
  }

  /** For Bull Board (the queue dashboard): it reads Bull's own structures. */
  dashboardAdapter(): BullAdapter {
    return new BullAdapter(this.bull);
  }
}
