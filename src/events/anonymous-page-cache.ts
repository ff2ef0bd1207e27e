import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sessionCookieName } from '../accounts/web-session';
import { AppConfig } from '../config/app-config';
import { negotiateLanguage, type Language } from '../i18n/languages';
import { debugToolbarEnabled } from '../debug-toolbar/debug-toolbar.config';
import { requestIdOf } from '../logging/logging.module';
import { MetricsService } from '../metrics/metrics.service';
import type { HeaderList } from '../web/security-headers';
import { CACHED_LIST_PAGES, EventsCache, type AnonymousPage } from './events.cache';

/**
 * Which cached page a request is for, if it is one: `/`, `/events[?page=N]`, `/events/:id`, in the
 * language the visitor gets (their `lang` cookie or Accept-Language, as the pages decide it): a
 * copy rendered in English is never served to someone reading Ukrainian.
 */
export function anonymousPageOf(req: IncomingMessage): AnonymousPage | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const [path, query = ''] = (req.url ?? '').split('?', 2);
  if (path === '/' || path === '/events') {
    const page = query === '' ? 1 : /^page=(\d)$/.exec(query)?.[1];
    const number = Number(page);
    return number >= 1 && number <= CACHED_LIST_PAGES
      ? { kind: 'list', page: number, language: negotiateLanguage(req.headers) }
      : undefined;
  }
  const id = /^\/events\/([1-9]\d{0,8})$/.exec(path)?.[1];
  return id && !query
    ? { kind: 'event', id: Number(id), language: negotiateLanguage(req.headers) }
    : undefined;
}

/**
 * Tells the page cache when this page will change by itself (an event on it starts), so its cached
 * copy expires then at the latest.
 */
export function pageChangesAt(res: Response, iso: string | undefined): void {
  res.locals.pageChangesAt = iso;
}

/**
 * A whole-page cache for visitors without a session (like Django's per-site cache middleware for
 * anonymous users): the public list's first pages and event pages are answered as the HTML they were
 * last rendered to, from this process's memory (no I/O: TrackedCopies keeps it exact) or else from
 * Redis. `answer` runs in front of the whole pipeline (before Express: see web-app.ts); a hit sends
 * the security headers every page gets (`security`, recorded from helmet), the request id, and is
 * timed as `page-cache` in the metrics. Nothing else runs for a hit: no sessions, routing or
 * rendering, and no request log line, like a static file. Anything personal (a session cookie:
 * signed-in users, flash messages, form tokens) bypasses it. A miss goes through the pipeline, where
 * `storeRenders` keeps what was rendered; EventsCache invalidates the HTML with the page data.
 */
export class AnonymousPageCache {
  // Everything but the request id and the length, flattened once as writeHead takes it.
  private readonly hitHeaders: string[];

  constructor(
    private readonly cache: EventsCache,
    private readonly metrics: MetricsService,
    /** The session cookie's name followed by `=`: a request carrying it is personal. */
    private readonly sessionCookie: string,
    security: HeaderList,
  ) {
    this.hitHeaders = [...security.flat(), 'Content-Type', 'text/html; charset=utf-8', 'X-Page-Cache', 'hit'];
  }

  /** Answers `req` from the cache, or calls `pass` to hand it to the pipeline. */
  answer(req: IncomingMessage, res: ServerResponse, pass: () => void): void {
    const page = this.pageOf(req);
    if (!page) return pass();
    const copy = this.cache.peekHtml(page);
    if (copy) return this.sendHit(req, res, copy, page.language);
    void this.cache
      .getHtml(page)
      .then((html) => (html ? this.sendHit(req, res, html, page.language) : pass()));
  }

  /** Express middleware: keeps the page a request for a cacheable page (a miss) rendered. */
  readonly storeRenders: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const page = this.pageOf(req);
    if (!page) return next();
    res.send = this.storingSend(res, page);
    next();
  };

  /**
   * `res.send`, keeping what it sends. Returned from a method rather than written as a function
   * literal into the property: see deferredStart in src/accounts/web-session.ts.
   */
  private storingSend(res: Response, page: AnonymousPage): Response['send'] {
    const send = res.send.bind(res);
    return (body?: unknown) => {
      // Only a plain anonymous render is shareable: never one carrying a form token.
      if (res.statusCode === 200 && typeof body === 'string' && !body.includes('name="_csrf"')) {
        void this.cache.setHtml(page, body, res.locals.pageChangesAt as string | undefined);
      }
      return send(body);
    };
  }

  private pageOf(req: IncomingMessage): AnonymousPage | undefined {
    if ((req.headers.cookie ?? '').includes(this.sessionCookie)) return undefined;
    return anonymousPageOf(req);
  }

  private sendHit(req: IncomingMessage, res: ServerResponse, html: Buffer, language: Language): void {
    this.metrics.observe(req, res, 'page-cache');
    res.writeHead(200, [
      ...this.hitHeaders,
      'Content-Language',
      language,
      'Vary',
      'Accept-Language',
      'X-Request-Id',
      requestIdOf(req),
      'Content-Length',
      String(html.length),
    ]);
    res.end(html);
  }
}

/**
 * The app's page cache, or none: off with EVENTS_PAGE_CACHE=false, and while the debug toolbar is
 * on (development: every page must really render, toolbar included).
 */
export function anonymousPageCache(
  app: NestExpressApplication,
  security: HeaderList,
): AnonymousPageCache | undefined {
  const config = app.get(AppConfig);
  if (debugToolbarEnabled(config) || !config.values.EVENTS_PAGE_CACHE) return undefined;
  return new AnonymousPageCache(
    app.get(EventsCache),
    app.get(MetricsService),
    `${sessionCookieName(config)}=`,
    security,
  );
}
