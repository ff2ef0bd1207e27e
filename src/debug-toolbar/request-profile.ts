import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

export interface ProfiledQuery {
  sql: string;
  params: string;
  durationMs: number;
}

export interface ProfiledCacheAccess {
  operation: 'get' | 'wrap' | 'set' | 'del';
  key: string;
  hit?: boolean;
  durationMs: number;
}

export interface ProfiledRender {
  view: string;
  durationMs: number;
}

/** What the toolbar collects about one request. */
export class RequestProfile {
  readonly startedAt = performance.now();
  readonly queries: ProfiledQuery[] = [];
  readonly cache: ProfiledCacheAccess[] = [];
  readonly renders: ProfiledRender[] = [];

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
}

/**
 * The profile of the request being handled. Prisma query events and cache calls happen deep in
 * services that know nothing about the request; AsyncLocalStorage ties them back to it.
 */
export const requestProfiles = new AsyncLocalStorage<RequestProfile>();
