import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { TrackedCopies } from '../cache/tracked-copies';
import { AppConfig } from '../config/app-config';
import { LANGUAGES, type Language } from '../i18n/languages';

/** How many pages of the public list are cached (the ones people actually look at). */
export const CACHED_LIST_PAGES = 5;

/**
 * The shape of the cached page data, in its keys: bump it when the data changes shape (v2: instants
 * instead of English date text), so that during a rolling update the replicas of two releases never
 * read each other's entries (an old replica's entry would render blank dates on a new one). Until
 * the old replicas are gone, their invalidations miss the new keys: a new replica's entry may then
 * outlive a change by CACHE_TTL_SECONDS at most.
 */
const DATA_SHAPE = 'v2';
const listKey = (page: number) => `events:${DATA_SHAPE}:list:${page}`;
/** The categories, as JSON, in TrackedCopies (see getCategories). */
const CATEGORIES_KEY = 'events:categories:v1';
const eventKey = (id: number) => `events:${DATA_SHAPE}:event:${id}`;
// Rendered pages differ by language (anonymousPageOf picks it as the pages do).
const listHtmlKey = (page: number, language: Language) => `events:html:list:${page}:${language}`;
const eventHtmlKey = (id: number, language: Language) => `events:html:event:${id}:${language}`;
const pageNumbers = Array.from({ length: CACHED_LIST_PAGES }, (_, index) => index + 1);

export type AnonymousPage = ({ kind: 'list'; page: number } | { kind: 'event'; id: number }) & {
  language: Language;
};

const htmlKey = (page: AnonymousPage) =>
  page.kind === 'list' ? listHtmlKey(page.page, page.language) : eventHtmlKey(page.id, page.language);

/**
 * The Redis page-data cache for the public list's first pages and for event pages. A hit answers
 * without touching PostgreSQL. Every write path that changes what those pages show calls
 * `invalidate(eventId)` after its transaction commits. Redis being down is a miss, never an error.
 * The same pages rendered for anonymous visitors are kept as bytes in TrackedCopies: in Redis, and
 * copied into each web process's memory, which Redis keeps exact.
 */
@Injectable()
export class EventsCache {
  private readonly logger = new Logger(EventsCache.name);

  private readonly enabled: boolean;
  private readonly ttlMs: number;
  /** The parsed categories, for the bytes they came from (parsed again only when those change). */
  private categories?: { bytes: Buffer; value: unknown };

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly pages: TrackedCopies,
    config: AppConfig,
  ) {
    this.enabled = config.values.EVENTS_PAGE_CACHE;
    this.ttlMs = config.values.CACHE_TTL_SECONDS * 1000;
  }

  isCachedListPage(page: number, query: string): boolean {
    return !query && page >= 1 && page <= CACHED_LIST_PAGES;
  }

  async getList<T>(page: number): Promise<T | undefined> {
    return this.read<T>(listKey(page));
  }

  /** `changesAt`: when the page changes by itself (its soonest event starts and leaves the list). */
  async setList<T>(page: number, value: T, changesAt?: string): Promise<void> {
    await this.write(listKey(page), value, changesAt);
  }

  /**
   * The categories (forms, the list's filter): few, read on every list page, changed only in the
   * admin. Reference data, so held in this process's memory whether or not EVENTS_PAGE_CACHE is on
   * (as Django keeps ContentTypes): a TrackedCopies entry, which Redis keeps exact across
   * processes, so the home page's one SQL statement is its list. Frozen: every request shares it.
   * Redis down: a miss.
   */
  async getCategories<T>(): Promise<T | undefined> {
    const bytes = await this.pages.get(CATEGORIES_KEY).catch(() => undefined);
    if (!bytes) return undefined;
    if (this.categories?.bytes !== bytes) {
      this.categories = { bytes, value: deepFreeze(JSON.parse(bytes.toString()) as unknown) };
    }
    return this.categories.value as T;
  }

  async setCategories<T>(value: T): Promise<void> {
    await this.pages
      .set(CATEGORIES_KEY, Buffer.from(JSON.stringify(value)), this.ttlMs)
      .catch(() => undefined);
  }

  /**
   * After a category changes: the choices and the list pages (which print names) go now; a cached
   * event page shows the old name until it expires (CACHE_TTL_SECONDS at most).
   */
  async invalidateCategories(): Promise<void> {
    await this.pages.delete([CATEGORIES_KEY]).catch(() => undefined);
    await this.invalidate();
  }

  async getEvent<T>(id: number): Promise<T | undefined> {
    return this.read<T>(eventKey(id));
  }

  /** `changesAt`: when the page changes by itself (the event starts and RSVPs close). */
  async setEvent<T>(id: number, value: T, changesAt?: string): Promise<void> {
    await this.write(eventKey(id), value, changesAt);
  }

  /** The whole page as rendered for anonymous visitors, if this process holds it (no I/O). */
  peekHtml(page: AnonymousPage): Buffer | undefined {
    return this.enabled ? this.pages.peek(htmlKey(page)) : undefined;
  }

  /** The whole page as rendered for anonymous visitors (see anonymous-page-cache.ts). */
  async getHtml(page: AnonymousPage): Promise<Buffer | undefined> {
    if (!this.enabled) return undefined;
    return this.pages.get(htmlKey(page)).catch(() => undefined);
  }

  async setHtml(page: AnonymousPage, html: string, changesAt?: string): Promise<void> {
    if (!this.enabled) return;
    await this.pages.set(htmlKey(page), Buffer.from(html), this.ttlUntil(changesAt)).catch(() => undefined);
  }

  /** Drops the event's page and the list pages (any event may appear on them), data and HTML. */
  async invalidate(eventId?: number): Promise<void> {
    const keys = pageNumbers.map(listKey);
    const htmlKeys = LANGUAGES.flatMap((language) => pageNumbers.map((page) => listHtmlKey(page, language)));
    if (eventId !== undefined) {
      keys.push(eventKey(eventId));
      htmlKeys.push(...LANGUAGES.map((language) => eventHtmlKey(eventId, language)));
    }
    const results = await Promise.allSettled([this.cache.mdel(keys), this.pages.delete(htmlKeys)]);
    for (const result of results) {
      if (result.status === 'rejected') {
        this.logger.warn(`cache invalidation failed: ${(result.reason as Error).message}`);
      }
    }
  }

  /** The usual TTL, cut short so an entry never outlives a change that comes with time alone. */
  private ttlUntil(changesAt: string | undefined): number {
    const left = changesAt ? Date.parse(changesAt) - Date.now() : NaN;
    return left > 0 ? Math.max(1, Math.min(this.ttlMs, left)) : this.ttlMs;
  }

  private async read<T>(key: string): Promise<T | undefined> {
    if (!this.enabled) return undefined;
    try {
      const value = await this.cache.get<T>(key);
      return value ?? undefined;
    } catch {
      return undefined;
    }
  }

  private async write<T>(key: string, value: T, changesAt?: string): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.cache.set(key, value, this.ttlUntil(changesAt));
    } catch {
      // A cache that cannot be written is just a cache miss next time.
    }
  }
}

/** `value` and everything in it made read-only: page data shared between requests. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
