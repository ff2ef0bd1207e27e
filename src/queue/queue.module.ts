import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { BACKOFF_STRATEGIES } from './backoff';
import { ALL_QUEUES } from './queues';

/**
 * Bull on REDIS_URL, with every queue registered so any provider can `@InjectQueue(name)`.
 * Connections come from RedisService so they share its reconnect policy and are closed with it.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [RedisService, AppConfig],
      useFactory: (redis: RedisService, config: AppConfig) => ({
        prefix: 'bull',
        createClient: (type) =>
          type === 'client'
            ? // Commands wait at most one reconnect attempt, so `queue.add` fails fast while Redis is down.
              redis.connect(`bull-${type}`, { enableOfflineQueue: true, maxRetriesPerRequest: 1 })
            : // Bull forbids ready checks and per-request retries on its blocking/subscriber connections.
              redis.connect(`bull-${type}`, {
                enableOfflineQueue: true,
                maxRetriesPerRequest: null,
                enableReadyCheck: false,
              }),
        defaultJobOptions: {
          removeOnComplete: 1_000,
          removeOnFail: 5_000,
          attempts: 1,
        },
        settings: {
          // A job whose worker died is handed to another worker once its lock lapses.
          lockDuration: config.values.QUEUE_LOCK_DURATION_MS,
          stalledInterval: config.values.QUEUE_STALLED_INTERVAL_MS,
          maxStalledCount: 3,
          // Computed where a job fails (the worker), from options the job carries.
          backoffStrategies: BACKOFF_STRATEGIES,
        },
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  exports: [BullModule],
})
export class QueueModule {}
