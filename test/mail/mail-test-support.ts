import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { loadConfig } from '../../src/config/app-config';
import { MailContextModule } from '../../src/mail/mail-context.module';
import { MailService } from '../../src/mail/mail.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { QUEUES } from '../../src/jobs/queue/queues';
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

export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
