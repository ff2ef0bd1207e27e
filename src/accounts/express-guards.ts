import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppConfig } from '../config/app-config';
import { PROBLEM_CONTENT_TYPE } from '../web/problem';
import { SAFE_METHODS } from './csrf.service';
import { loginUrl } from './next-url';
import type { PermissionsService } from './permissions.service';

/**
 * Guards for plain Express routers mounted outside Nest's router (Bull Board at /admin/queues),
 * where the Require… decorators and the global CSRF guard do not run.
 *
 * The decision for /admin/queues: Bull Board's own UI changes state with fetch() calls (JSON, no
 * CSRF token we could inject), so instead of the token it gets
 *  1. the session user must be active staff with `codename` (default `queues.view`; superusers pass);
 *  2. every non-GET request must come from this origin (Origin header, or Sec-Fetch-Site:
 *     same-origin; browsers send one of them on every fetch/POST). A cross-site form or fetch is
 *     refused before it reaches Bull Board; the SameSite=Lax session cookie is a second layer.
 */
export function requireStaffPermission(
  permissions: PermissionsService,
  codename = 'queues.view',
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const user = req.user;
    if (!user) {
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
        res.redirect(303, loginUrl(req.originalUrl));
        return;
      }
      return refuse(res, 401, 'Authentication required.');
    }
    if (!user.isStaff) return refuse(res, 403, 'This page is for staff only.');
    permissions
      .hasPermission(user, codename)
      .then(
        (allowed) => (allowed ? next() : refuse(res, 403, `You do not have the permission "${codename}".`)),
        next,
      );
  };
}

export function requireSameOrigin(config: AppConfig): RequestHandler {
  const appOrigin = new URL(config.values.APP_URL).origin;
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.get('origin');
    const ownOrigin = `${req.protocol}://${req.get('host')}`;
    if (origin ? origin === appOrigin || origin === ownOrigin : req.get('sec-fetch-site') === 'same-origin') {
      return next();
    }
    refuse(res, 403, 'Cross-site request refused (the Origin of this request is not this site).');
  };
}

function refuse(res: Response, status: number, detail: string): void {
  res
    .status(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: 'about:blank',
        title: status === 401 ? 'Unauthorized' : 'Forbidden',
        status,
        detail,
      }),
    );
}
