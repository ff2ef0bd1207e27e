import { Injectable } from '@nestjs/common';
import { InjectJobQueue, JobQueue } from '../queue/job-queue';
import { QUEUES } from '../queue/queues';
import { SYSTEM_JOBS, type PingResult } from './system-jobs';

/** Web-side access to infrastructure jobs. */
@Injectable()
export class SystemService {
  constructor(@InjectJobQueue(QUEUES.system) private readonly queue: JobQueue<{ echo: string }>) {}

  /** Enqueues a ping and waits for a worker to answer it (rejects after `timeoutMs`). */
  async pingWorker(echo: string, timeoutMs = 10_000): Promise<PingResult> {
    // Kept after completion (queue default): finished() looks the result up once it is done.
    const job = await this.queue.add<PingResult>(SYSTEM_JOBS.ping, { echo });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no worker answered within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([job.finished(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
