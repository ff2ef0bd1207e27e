import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every log line written while a worker handles a job carries (see logging.module mixin); set
 * by JobQueue.process around each job.
 */
export interface JobLogFields {
  queue: string;
  jobId: string;
  jobName: string;
}

export const jobContext = new AsyncLocalStorage<JobLogFields>();
