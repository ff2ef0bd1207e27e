import { DynamicModule, Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { LoggingModule } from '../logging/logging.module';
import { PrismaModule } from '../prisma/prisma.module';
import { QueueModule } from '../jobs/queue/queue.module';
import { RedisModule } from '../redis/redis.module';
import { ShutdownModule } from './shutdown-state';

/**
 * The infrastructure every process shares (web, worker, CLI, REPL): configuration, logging,
 * the shutdown state, PostgreSQL, Redis, cache and queues. Entry points compose it with their own feature modules.
 */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        ShutdownModule,
        PrismaModule,
        RedisModule,
        CacheModule,
        QueueModule,
      ],
      exports: [ConfigModule, PrismaModule, RedisModule, CacheModule, QueueModule],
    };
  }
}
