import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { QUEUES } from '../queue/queues';
import { SYSTEM_JOBS, type PingResult } from './system-jobs';

/** Web-side access to infrastructure jobs. */
@Injectable()
export class SystemService {
  constructor(@InjectQueue(QUEUES.system) private readonly queue: Queue) {}

  /** Enqueues a ping and waits for a worker to answer it (rejects after `timeoutMs`). */
  async pingWorker(echo: string, timeoutMs = 10_000): Promise<PingResult> {
    // Kept after completion (queue default): job.finished() looks the result up once it is done.
    const job = await this.queue.add(SYSTEM_JOBS.ping, { echo });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no worker answered within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return (await Promise.race([job.finished(), timeout])) as PingResult;
    } finally {
      clearTimeout(timer);
    }
  }
}
