import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppConfig } from '../../config/app-config';
import { addFlash } from '../../web/flash';
import { PROBLEM_CONTENT_TYPE } from '../../web/problem';
import type { MfaService } from './mfa.service';

/** Where staff go to enrol, and back to the admin page they asked for afterwards. */
export function enrolUrl(next: string): string {
  return `/accounts/profile?next=${encodeURIComponent(next)}#two-factor`;
}

/**
 * MFA_REQUIRED_FOR_STAFF: staff without a second factor (authenticator app or passkey) are sent
 * to their profile to set one up before any page of the admin opens (the Nest admin and Bull
 * Board under /admin alike; this runs before both). Everyone else, and the API with its bearer
 * tokens, is unaffected.
 */
export function requireStaffTwoFactor(config: AppConfig, mfa: MfaService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const user = req.user;
    if (!config.values.MFA_REQUIRED_FOR_STAFF || !user?.isStaff || !isAdminPath(req.path)) return next();
    mfa.isEnabled(user.id).then((enabled) => {
      if (enabled) return next();
      const message =
        'Staff need two-factor authentication to use the admin: set up an authenticator app or a passkey first.';
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
        addFlash(req, 'info', message);
        return res.redirect(303, enrolUrl(req.originalUrl));
      }
      res
        .status(403)
        .type(PROBLEM_CONTENT_TYPE)
        .send(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: message }));
    }, next);
  };
}

function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}
