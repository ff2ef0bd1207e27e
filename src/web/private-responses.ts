import type { NextFunction, Request, RequestHandler, Response } from 'express';
import onHeaders from 'on-headers';

/**
 * `Cache-Control: no-store` on every response that belongs to one person, decided once for all
 * routes (Django's never_cache, applied by rule rather than per view): any request with a session
 * (signed in, or holding a form's CSRF token or a flash message) or authenticated by a bearer
 * token. Account pages, the profile and the page showing a new API token, the admin, organizer
 * tools and the API are all such requests; public pages for visitors without a session stay
 * cacheable. Decided when the headers are written, so a session started while rendering (a form's
 * token) counts. A route's own Cache-Control is kept, with no-store added to it.
 */
export function privateResponses(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    onHeaders(res, () => {
      if (!req.session && !req.user && !req.headers.authorization) return;
      const own = res.getHeader('Cache-Control');
      if (own === undefined) res.setHeader('Cache-Control', 'no-store');
      else if (!/\bno-store\b/i.test(String(own))) res.setHeader('Cache-Control', `no-store, ${String(own)}`);
    });
    next();
  };
}
