import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppConfig } from '../../config/app-config';
import { languageOr, negotiateLanguage } from '../../i18n/languages';
import { translateMessage } from '../../i18n/translator';
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
      const message = 'flash.twoFactor.staffRequired';
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
        addFlash(req, 'info', message);
        return res.redirect(303, enrolUrl(req.originalUrl));
      }
      // This runs before languageMiddleware: the language is chosen as it would choose it.
      const language = user.language ? languageOr(user.language) : negotiateLanguage(req.headers);
      const detail = translateMessage(message, language);
      res
        .status(403)
        .type(PROBLEM_CONTENT_TYPE)
        .send(JSON.stringify({ type: 'about:blank', title: STATUS_CODES[403], status: 403, detail }));
    }, next);
  };
}

function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}
