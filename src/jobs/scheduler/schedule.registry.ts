import { Injectable } from '@nestjs/common';
import type { ScheduledJob } from './scheduled-job';

/**
 * Every scheduled job of the worker. Features register theirs in `onModuleInit` of a provider in
 * their worker module; the Scheduler installs them on Bull at application bootstrap (after every
 * module has initialised). Example: src/mail/mail-purge.ts.
 *
 * Accounts: purging expired e-mail verification / password reset tokens goes here the same way —
 * an `accounts.purge-expired-tokens` job registered from the accounts worker module.
 */
@Injectable()
export class ScheduleRegistry {
  private readonly jobs = new Map<string, ScheduledJob>();

  register(job: ScheduledJob): void {
    if (this.jobs.has(job.name)) throw new Error(`Scheduled job "${job.name}" is registered twice`);
    if (!job.cron === !job.every)
      throw new Error(`Scheduled job "${job.name}" needs exactly one of cron or every`);
    this.jobs.set(job.name, job);
  }

  get(name: string): ScheduledJob | undefined {
    return this.jobs.get(name);
  }

  list(): ScheduledJob[] {
    return [...this.jobs.values()];
  }
}
