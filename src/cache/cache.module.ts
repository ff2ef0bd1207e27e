import { CacheModule as NestCacheModule } from '@nestjs/cache-manager';
import { Global, Injectable, Logger, Module, OnModuleDestroy } from '@nestjs/common';
import { KeyvAdapter, type CacheManagerStore } from 'cache-manager';
import { redisInsStore } from 'cache-manager-redis-yet';
import { Keyv } from 'keyv';
import { createClient, type RedisClientType } from 'redis';
import { AppConfig } from '../config/app-config';
import { TrackedCopies } from './tracked-copies';

/**
 * Owns the node-redis client behind the cache store (cache-manager-redis-yet speaks node-redis,
 * not ioredis). The client never queues commands while disconnected, so when Redis is down a cache
 * read misses at once and a write is dropped, and pages keep rendering; it reconnects by itself.
 */
@Injectable()
export class CacheStoreProvider implements OnModuleDestroy {
  private readonly logger = new Logger('Cache');
  readonly client: RedisClientType;
  private down = false;

  constructor(config: AppConfig) {
    this.client = createClient({
      url: config.values.REDIS_URL,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (attempt) => Math.min(attempt * 200, 2_000) },
    }) as RedisClientType;
    this.client.on('error', (error: Error) => this.reportDown(error));
    this.client.on('ready', () => {
      if (this.down) this.logger.log('Redis is back: cache enabled');
      this.down = false;
    });
    // Not awaited: the app starts (and the cache misses) while Redis is unreachable.
    this.client.connect().catch((error: Error) => this.reportDown(error));
  }

  keyv(namespace: string): Keyv {
    // The legacy-store adapter is how cache-manager >= 6 accepts cache-manager-redis-yet's store.
    const store = redisInsStore(this.client, { keyPrefix: namespace });
    const keyv = new Keyv({ store: new KeyvAdapter(store as unknown as CacheManagerStore) });
    keyv.on('error', (error: Error) => this.reportDown(error));
    return keyv;
  }

  private reportDown(error: Error): void {
    if (!this.down) this.logger.warn(`Redis unavailable, cache bypassed: ${error.message}`);
    this.down = true;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.client.isOpen) await this.client.quit().catch(() => undefined);
  }
}

@Global()
@Module({ providers: [CacheStoreProvider, TrackedCopies], exports: [CacheStoreProvider, TrackedCopies] })
class CacheStoreModule {}

/**
 * `CACHE_MANAGER` (from @nestjs/cache-manager) everywhere, backed by Redis; and TrackedCopies, for
 * values read so often that even a Redis round trip is too much (whole pages).
 */
@Module({
  imports: [
    NestCacheModule.registerAsync({
      isGlobal: true,
      imports: [CacheStoreModule],
      inject: [AppConfig, CacheStoreProvider],
      useFactory: (config: AppConfig, provider: CacheStoreProvider) => ({
        stores: [provider.keyv('cache')],
        ttl: config.values.CACHE_TTL_SECONDS * 1000,
      }),
    }),
  ],
})
export class CacheModule {}
