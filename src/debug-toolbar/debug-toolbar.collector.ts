import { performance } from 'node:perf_hooks';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { requestProfiles, type ProfiledCacheAccess } from './request-profile';

/** PrismaService is declared without log options, so its `$on` is typed for no events at all. */
interface QueryEventSource {
  $on(event: 'query', listener: (event: Prisma.QueryEvent) => void): void;
}

/**
 * Feeds the current request's profile: every SQL statement Prisma runs (its `query` log events,
 * which PrismaService enables when the toolbar is on, and its prepared statements) and every cache call. cache-manager emits
 * events for hits but not for misses, so the cache instance's methods are wrapped instead; this
 * happens only in the web process with the toolbar mounted, never in production.
 */
@Injectable()
export class DebugToolbarCollector implements OnModuleInit {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  onModuleInit(): void {
    const record = (event: { query: string; params: string; duration: number }) =>
      requestProfiles.getStore()?.queries.push({
        sql: event.query,
        params: event.params,
        durationMs: event.duration,
      });
    (this.prisma as unknown as QueryEventSource).$on('query', record);
    this.prisma.onPreparedQuery(record);
    this.instrumentCache();
  }

  private instrumentCache(): void {
    const cache = this.cache;
    const record = (access: ProfiledCacheAccess) => requestProfiles.getStore()?.cache.push(access);
    const timed = async <T>(
      operation: ProfiledCacheAccess['operation'],
      key: string,
      call: () => Promise<T>,
      hitOf?: (result: T) => boolean,
    ): Promise<T> => {
      const started = performance.now();
      const result = await call();
      record({ operation, key, hit: hitOf?.(result), durationMs: performance.now() - started });
      return result;
    };

    const { get, set, del, wrap } = cache;
    /* eslint-disable no-restricted-syntax -- once at start-up (development only): long-lived functions */
    cache.get = <T>(key: string) =>
      timed(
        'get',
        key,
        () => get.call(cache, key) as Promise<T | undefined>,
        (value) => value !== undefined,
      );
    cache.set = <T>(key: string, value: T, ttl?: number) =>
      timed('set', key, () => set.call(cache, key, value, ttl) as Promise<T>);
    cache.del = (key: string) => timed('del', key, () => del.call(cache, key));
    // A wrap is a hit when it answers without calling the loader.
    cache.wrap = (<T>(key: string, loader: () => T | Promise<T>, ...rest: unknown[]) => {
      let loaded = false;
      const counting = () => {
        loaded = true;
        return loader();
      };
      return timed(
        'wrap',
        key,
        () => (wrap as (...args: unknown[]) => Promise<T>).call(cache, key, counting, ...rest),
        () => !loaded,
      );
    }) as Cache['wrap'];
    /* eslint-enable no-restricted-syntax */
  }
}
