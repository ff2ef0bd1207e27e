import { Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RedisService } from '../redis/redis.service';

/** Every key lives under this prefix, and Redis reports changes to keys under it. */
const PREFIX = 'cache:copies:';
const INVALIDATIONS = '__redis__:invalidate';
/** Bounds the copies held in this process (e.g. ~10,000 event pages of 3 KB). */
const MAX_BYTES = 32 * 1024 * 1024;

interface Fill {
  promise: Promise<Buffer | undefined>;
}

/**
 * Byte strings kept in Redis (shared by every process, with a TTL) and copied into this process's
 * memory, where a read costs no I/O at all: Redis's server-assisted client-side caching
 * (`CLIENT TRACKING … BCAST PREFIX`) tells this process about every change under the prefix — a
 * write or delete by any process, an expiry, an eviction, a FLUSHDB — and the copy is dropped then.
 * Written here because no Redis client we use implements tracking (ioredis has none; node-redis has
 * it only from v5, which cache-manager-redis-yet does not support).
 *
 * Copies are trusted only while the invalidation subscriber and the tracking connection are both up;
 * when either drops, every copy is discarded (messages may have been missed) and reads go to Redis
 * until tracking is on again. A read racing an invalidation keeps nothing (see `fill`). Copies also
 * expire at the key's own TTL, read with the value, so they never outlive it. The two connections
 * are opened on the first read: processes that only write (the worker) never open them.
 */
@Injectable()
export class TrackedCopies {
  private readonly logger = new Logger(TrackedCopies.name);
  private readonly copies = new LRUCache<string, Buffer>({
    maxSize: MAX_BYTES,
    sizeCalculation: (value) => value.length || 1,
  });
  /** Reads from Redis in flight; an invalidation of the key removes its entry, so it keeps nothing. */
  private readonly fills = new Map<string, Fill>();
  private reader?: Redis;
  private subscriber?: Redis;
  private subscriberId?: number;
  /** Tracking on and the subscriber listening: copies are exact. */
  private live = false;

  constructor(private readonly redis: RedisService) {}

  /** The copy in memory, if this process holds a current one (no I/O). */
  peek(key: string): Buffer | undefined {
    this.open();
    return this.live ? this.copies.get(PREFIX + key) : undefined;
  }

  /** The value: from memory, else from Redis (then copied, while tracking is on). Rejects when Redis is down. */
  async get(key: string): Promise<Buffer | undefined> {
    const copy = this.peek(key);
    if (copy) return copy;
    const fullKey = PREFIX + key;
    const pending = this.fills.get(fullKey);
    if (pending) return pending.promise;
    return this.fill(fullKey);
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.forget(PREFIX + key);
    await this.redis.client.set(PREFIX + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys.length) return;
    const fullKeys = keys.map((key) => PREFIX + key);
    // This process sees its own change at once; the others when Redis tells them (a millisecond).
    for (const key of fullKeys) this.forget(key);
    await this.redis.client.del(...fullKeys);
  }

  private fill(fullKey: string): Promise<Buffer | undefined> {
    const reader = this.reader!;
    const fill: Fill = {
      promise: reader
        .pipeline()
        .getBuffer(fullKey)
        .pttl(fullKey)
        .exec()
        .then((replies) => {
          const [[readError, value], [, ttl]] = replies as [
            [Error | null, Buffer | null],
            [Error | null, number],
          ];
          if (readError) throw readError;
          // Kept only if no invalidation came meanwhile: Redis sends those on another connection,
          // so one for a change made after this read may arrive before the read's reply.
          if (value && this.live && this.fills.get(fullKey) === fill && ttl !== -2) {
            this.copies.set(fullKey, value, ttl > 0 ? { ttl } : {});
          }
          return value ?? undefined;
        })
        .finally(() => {
          if (this.fills.get(fullKey) === fill) this.fills.delete(fullKey);
        }),
    };
    this.fills.set(fullKey, fill);
    return fill.promise;
  }

  private forget(fullKey: string): void {
    this.copies.delete(fullKey);
    this.fills.delete(fullKey);
  }

  private forgetAll(): void {
    this.copies.clear();
    this.fills.clear();
  }

  private open(): void {
    if (this.reader) return;
    this.reader = this.redis.connect('tracked-copies');
    // Resubscribed by hand: the new connection's id must be read before it enters subscriber mode.
    this.subscriber = this.redis.connect('tracked-copies-invalidations', { autoResubscribe: false });
    this.subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() !== INVALIDATIONS) return;
      // null: the database was flushed.
      if (!keys) return this.forgetAll();
      for (const key of keys) this.forget(key.toString());
    });
    this.subscriber.on('ready', () => void this.subscribe());
    this.reader.on('ready', () => void this.track());
    for (const connection of [this.reader, this.subscriber]) {
      connection.on('close', () => this.suspend(connection === this.subscriber));
    }
  }

  private async subscribe(): Promise<void> {
    const subscriber = this.subscriber!;
    try {
      const id = (await subscriber.client('ID')) as number;
      await subscriber.subscribe(INVALIDATIONS);
      this.subscriberId = id;
      await this.track();
    } catch (error) {
      this.logger.warn(`invalidation subscriber: ${(error as Error).message}`);
    }
  }

  private async track(): Promise<void> {
    const reader = this.reader!;
    const id = this.subscriberId;
    if (id === undefined || reader.status !== 'ready') return;
    try {
      // OFF first: ON again would add to the tracking of the previous subscriber.
      await reader.client('TRACKING', 'OFF');
      await reader.client('TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', PREFIX);
      if (id !== this.subscriberId) return;
      // Reads already in flight were not tracked from their start: let them keep nothing.
      this.forgetAll();
      this.live = true;
    } catch (error) {
      this.logger.warn(`client tracking: ${(error as Error).message}`);
    }
  }

  private suspend(subscriberLost: boolean): void {
    this.live = false;
    if (subscriberLost) this.subscriberId = undefined;
    this.forgetAll();
  }
}
