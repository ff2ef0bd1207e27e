import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisService } from '../../redis/redis.service';
import { taskChannel, type TaskState } from './task-jobs';

type Listener = (state: TaskState) => void;

/**
 * Task progress as the worker publishes it, for the SSE streams of this web process. One Redis
 * subscriber connection per process, subscribed only to the channels someone is watching.
 */
@Injectable()
export class TaskEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(TaskEventsService.name);
  private subscriber?: Redis;
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Calls `listener` for every state published for `taskId`; resolves once subscribed. Returns the unsubscribe. */
  async listen(taskId: string, listener: Listener): Promise<() => void> {
    const channel = taskChannel(taskId);
    const subscriber = this.connection();
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await subscriber.subscribe(channel);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    // Subscribing needs the offline queue: (re)subscriptions are replayed when the connection returns.
    const subscriber = this.redis.connect('task-events', {
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    subscriber.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      try {
        const state = JSON.parse(message) as TaskState;
        for (const listener of set) listener(state);
      } catch (error) {
        this.logger.warn(`bad progress message on ${channel}: ${(error as Error).message}`);
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  constructor(private readonly redis: RedisService) {}

  onModuleDestroy(): void {
    this.listeners.clear();
  }
}
