import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sessionCookieName } from '../accounts/web-session';
import { AppConfig } from '../config/app-config';
import { debugToolbarEnabled } from '../debug-toolbar/debug-toolbar.config';
import { CACHED_LIST_PAGES, EventsCache, type AnonymousPage } from './events.cache';

/** Which cached page a request is for, if it is one: `/`, `/events[?page=N]`, `/events/:id`. */
export function anonymousPageOf(req: Request): AnonymousPage | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const [path, query = ''] = req.originalUrl.split('?', 2);
  if (path === '/' || path === '/events') {
    const page = query === '' ? 1 : /^page=(\d)$/.exec(query)?.[1];
    const number = Number(page);
    return number >= 1 && number <= CACHED_LIST_PAGES ? { kind: 'list', page: number } : undefined;
  }
  const id = /^\/events\/([1-9]\d{0,8})$/.exec(path)?.[1];
  return id && !query ? { kind: 'event', id: Number(id) } : undefined;
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
 * anonymous users), in front of sessions, routing and rendering: the public list's first pages and
 * event pages are answered from Redis as the HTML they were last rendered to. Anything personal
 * (a session cookie: signed-in users, flash messages, form tokens) bypasses it, and EventsCache
 * invalidates the HTML with the page data. A hit skips the request log line, like any static file.
 * Off while the debug toolbar is on (development) and with EVENTS_PAGE_CACHE=false.
 */
export function anonymousPageCache(app: NestExpressApplication): RequestHandler {
  const config = app.get(AppConfig);
  // With the debug toolbar (development) every page must really render, toolbar included.
  if (debugToolbarEnabled(config) || !config.values.EVENTS_PAGE_CACHE) {
    return (_req: Request, _res: Response, next: NextFunction) => next();
  }
  const cache = app.get(EventsCache);
  const cookie = `${sessionCookieName(config)}=`;
  return (req: Request, res: Response, next: NextFunction) => {
    const page = anonymousPageOf(req);
    if (!page || (req.headers.cookie ?? '').includes(cookie)) return next();
    cache.getHtml(page).then(
      (html) => {
        if (html !== undefined) {
          res.status(200).type('html').set('X-Page-Cache', 'hit').send(html);
          return;
        }
        const send = res.send.bind(res);
        res.send = (body?: unknown) => {
          // Only a plain anonymous render is shareable: never one carrying a form token.
          if (res.statusCode === 200 && typeof body === 'string' && !body.includes('name="_csrf"')) {
            void cache.setHtml(page, body, res.locals.pageChangesAt as string | undefined);
          }
          return send(body);
        };
        next();
      },
      () => next(),
    );
  };
}
