import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import { ALL_QUEUES } from './queues';

/**
 * Bull on REDIS_URL, with every queue registered so any provider can `@InjectQueue(name)`.
 * Connections come from RedisService so they share its reconnect policy and are closed with it.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [RedisService],
      useFactory: (redis: RedisService) => ({
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
          // A job whose worker died is handed to another worker after this long.
          lockDuration: 30_000,
          stalledInterval: 15_000,
          maxStalledCount: 3,
        },
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  exports: [BullModule],
})
export class QueueModule {}
