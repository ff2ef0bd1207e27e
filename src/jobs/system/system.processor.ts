import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { runInJobContext } from '../../logging/job-context';
import { QUEUES } from '../queue/queues';
import { SYSTEM_JOBS, type PingResult } from './system-jobs';

@Processor(QUEUES.system)
export class SystemProcessor {
  private readonly logger = new Logger(SystemProcessor.name);

  @Process(SYSTEM_JOBS.ping)
  ping(job: Job<{ echo: string }>): Promise<PingResult> {
    return runInJobContext(job, async () => {
      this.logger.log('ping received');
      return { pid: process.pid, handledAt: new Date().toISOString(), echo: job.data.echo };
    });
  }
}
