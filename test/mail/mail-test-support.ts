import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { loadConfig } from '../../src/config/app-config';
import { MailContextModule } from '../../src/mail/mail-context.module';
import { MailService } from '../../src/mail/mail.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { QUEUES } from '../../src/jobs/queue/queues';
import { eventually } from '../support/eventually';
import { startProcess, type RunningProcess } from '../support/processes';

export interface MailSide {
  app: INestApplicationContext;
  mail: MailService;
  prisma: PrismaService;
  queue: Queue;
  close(): Promise<void>;
}

/** The sending side (what the web process does), in the test process, with optional env overrides. */
export async function startMailSide(env: Record<string, string> = {}): Promise<MailSide> {
  const config = loadConfig({ ...process.env, ...env });
  const app = await NestFactory.createApplicationContext(MailContextModule.forRoot(config), {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  return {
    app,
    mail: app.get(MailService),
    prisma: app.get(PrismaService),
    queue: app.get<Queue>(getQueueToken(QUEUES.mail)),
    close: () => app.close(),
  };
}

/** A real worker process (src/worker.ts), ready to consume. */
export async function startWorker(env: Record<string, string>): Promise<RunningProcess> {
  const worker = startProcess('src/worker.ts', [], env);
  await worker.waitForLine(/Worker ready/, 60_000);
  return worker;
}

/**
 * Resolves once no job is waiting, delayed or being processed: from then on nothing more can reach
 * the SMTP server unless something queues it, so "it was never delivered" is a settled fact.
 */
export async function queueDrained(queue: Queue, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const { waiting, active, delayed } = await queue.getJobCounts();
    expect({ waiting, active, delayed }).toEqual({ waiting: 0, active: 0, delayed: 0 });
  }, timeoutMs);
}
