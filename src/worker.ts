import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfigOrExit } from './config/app-config';
import { closeOnSignals } from './core/shutdown';
import { waitUntilMigrated } from './database/schema-state';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  // In a swarm the deploy's migration job may still be running: jobs need the new schema.
  await waitUntilMigrated(config.values.DATABASE_URL, (line) => new NestLogger('Worker').warn(line));
  // An application context: providers and Bull processors, no HTTP listener.
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  closeOnSignals(app, config.values.SHUTDOWN_TIMEOUT_MS);
  await app.init();
  new NestLogger('Worker').log(
    `Worker ready (pid ${process.pid}, concurrency ${config.values.WORKER_CONCURRENCY})`,
  );
}

void bootstrap();
