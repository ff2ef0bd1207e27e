import 'reflect-metadata';
import { join } from 'node:path';
import { repl } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfigOrExit } from './config/app-config';
import { PROJECT_ROOT } from './paths';
import { PrismaService } from './prisma/prisma.service';

/**
 * `npm run repl`: the web application's modules in an interactive shell (Django's shell_plus).
 * Every provider and controller is in scope by class name (`get(EventsService)`, `$(SystemService)`,
 * `methods(EventsService)`, `debug()` lists them), plus `prisma` and `config`; top-level await works:
 *
 *   > await prisma.user.count()
 *   > await get(SystemService).pingWorker('hi')
 */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const server = await repl(AppModule.forRoot(config));
  Object.assign(server.context, {
    prisma: server.context.get(PrismaService) as PrismaService,
    config,
  });
  server.setupHistory(join(PROJECT_ROOT, 'node_modules', '.cache', 'repl_history'), () => undefined);
  // Without this the open Redis and PostgreSQL connections keep the process alive after `.exit`.
  server.on('exit', () => setTimeout(() => process.exit(0), 2_000).unref());
}

void bootstrap();
