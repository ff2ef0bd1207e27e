import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectJobQueue, JobQueue, type Job } from '../queue/job-queue';
import { QUEUES } from '../queue/queues';
import { SYSTEM_JOBS, type PingResult } from './system-jobs';

/** Worker side of the system queue. */
@Injectable()
export class SystemProcessor implements OnModuleInit {
  private readonly logger = new Logger(SystemProcessor.name);

  constructor(@InjectJobQueue(QUEUES.system) private readonly queue: JobQueue<{ echo: string }>) {}

  onModuleInit(): void {
    this.queue.process(SYSTEM_JOBS.ping, 1, (job) => this.ping(job));
  }

  async ping(job: Job<{ echo: string }>): Promise<PingResult> {
    this.logger.log('ping received');
    return { pid: process.pid, handledAt: new Date().toISOString(), echo: job.data.echo };
  }
}
