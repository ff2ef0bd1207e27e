import { BullModule, getQueueToken } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';
import { BACKOFF_STRATEGIES } from './backoff';
import { JobQueue, jobQueueToken } from './job-queue';
import { ALL_QUEUES, type QueueName } from './queues';

/** Every queue of ALL_QUEUES, for what looks at all of them (metrics, the dashboard). */
export class JobQueues {
  constructor(private readonly queues: Map<QueueName, JobQueue>) {}

  all(): JobQueue[] {
    return [...this.queues.values()];
  }
}

const queueProviders = ALL_QUEUES.map((name) => ({
  provide: jobQueueToken(name),
  inject: [getQueueToken(name)],
  useFactory: (bull: Queue) => new JobQueue(bull),
}));

/**
 * Bull on REDIS_URL, with every queue of ALL_QUEUES, each as a JobQueue any provider can inject
 * (`@InjectJobQueue(name)`). Connections come from RedisService so they share its reconnect policy
 * and are closed with it.
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
  providers: [
    ...queueProviders,
    {
      provide: JobQueues,
      inject: queueProviders.map((provider) => provider.provide),
      useFactory: (...queues: JobQueue[]) =>
        new JobQueues(new Map(queues.map((queue, index) => [ALL_QUEUES[index], queue]))),
    },
  ],
  exports: [...queueProviders.map((provider) => provider.provide), JobQueues],
})
export class QueueModule {}
