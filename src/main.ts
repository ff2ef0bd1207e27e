import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from './config/app-config';
import { closeOnSignals } from './core/shutdown';
import { ShutdownState } from './core/shutdown-state';
import { HttpDrain } from './web/http-drain';
import { createWebApp } from './web/web-app';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createWebApp(config);
  const logger = new Logger('Web');
  const http = new HttpDrain(app.getHttpServer());
  // A deploy, in this order: not ready at once (a proxy stops routing here), keep serving for
  // SHUTDOWN_DRAIN_DELAY_MS while it notices, then stop accepting and answer what was sent; only
  // after that are PostgreSQL, Redis and the queues closed.
  closeOnSignals(app, config.values.SHUTDOWN_TIMEOUT_MS, async (deadline) => {
    const started = Date.now();
    app.get(ShutdownState).beginDrain();
    const { connections, requests } = http.load;
    logger.log(`Shutting down: draining ${requests} request(s) on ${connections} connection(s)`);
    await new Promise((resolve) => setTimeout(resolve, config.values.SHUTDOWN_DRAIN_DELAY_MS));
    await http.close(deadline);
    logger.log(`HTTP drained in ${Date.now() - started} ms`);
  });
  await app.listen(config.values.PORT);
  logger.log(`Web ready on ${config.values.APP_URL} (port ${config.values.PORT}, pid ${process.pid})`);
}

void bootstrap();
