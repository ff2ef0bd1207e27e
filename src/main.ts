import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from './config/app-config';
import { closeOnSignals } from './core/shutdown';
import { createWebApp } from './web/web-app';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createWebApp(config);
  closeOnSignals(app, config.values.SHUTDOWN_TIMEOUT_MS);
  await app.listen(config.values.PORT);
  new Logger('Web').log(
    `Web ready on ${config.values.APP_URL} (port ${config.values.PORT}, pid ${process.pid})`,
  );
}

void bootstrap();
