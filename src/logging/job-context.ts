import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job } from 'bull';

/** What every log line written while a worker handles a job carries (see logging.module mixin). */
export interface JobLogFields {
  queue: string;
  jobId: string;
  jobName: string;
}

export const jobContext = new AsyncLocalStorage<JobLogFields>();

export function runInJobContext<T>(job: Job, work: () => Promise<T>): Promise<T> {
  return jobContext.run({ queue: job.queue.name, jobId: String(job.id), jobName: job.name }, work);
}
