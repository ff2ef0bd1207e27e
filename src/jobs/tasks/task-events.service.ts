import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisService } from '../../redis/redis.service';
import { taskChannel, type TaskState } from './task-jobs';

type Listener = (message: unknown) => void;

/**
 * Live updates published on Redis (any process can publish, any web replica can listen), for the
 * SSE streams of this web process: task progress as the worker publishes it, and other features'
 * channels (an event's check-in counts). One Redis subscriber connection per process, subscribed
 * only to the channels someone is watching.
 */
@Injectable()
export class TaskEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(TaskEventsService.name);
  private subscriber?: Redis;
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Calls `listener` for every state published for `taskId`; resolves once subscribed. Returns the unsubscribe. */
  listen(taskId: string, listener: (state: TaskState) => void): Promise<() => void> {
    return this.listenTo<TaskState>(taskChannel(taskId), listener);
  }

  /**
   * Calls `listener` with every JSON message published on `channel` (whose publisher decides the
   * message's shape, T); resolves once subscribed. Returns the unsubscribe.
   */
  async listenTo<T>(channel: string, listener: (message: T) => void): Promise<() => void> {
    const subscriber = this.connection();
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await subscriber.subscribe(channel);
    }
    const typed = listener as Listener;
    set.add(typed);
    return () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(typed);
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
        const parsed: unknown = JSON.parse(message);
        for (const listener of set) listener(parsed);
      } catch (error) {
        this.logger.warn(`bad message on ${channel}: ${(error as Error).message}`);
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
