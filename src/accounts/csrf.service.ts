import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { doubleCsrf, type DoubleCsrfUtilities } from 'csrf-csrf';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';

/** Methods that change nothing and so need no token. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF protection with csrf-csrf (signed double-submit cookie, tied to the session id). Forms post
 * the token as `_csrf`; scripts send the `X-CSRF-Token` header. The session id changes at log-in,
 * so tokens issued before it stop working then (the next page carries a new one).
 */
@Injectable()
export class CsrfService {
  private readonly csrf: DoubleCsrfUtilities;

  constructor(config: AppConfig) {
    const secret = createHmac('sha256', config.values.SESSION_SECRET).update('csrf').digest('hex');
    this.csrf = doubleCsrf({
      getSecret: () => secret,
      getSessionIdentifier: (req) => req.session?.id ?? '',
      // __Host- pins the cookie to this exact origin over HTTPS; plain name for http in development.
      cookieName: config.isProduction ? '__Host-csrf' : 'csrf',
      cookieOptions: { sameSite: 'lax', secure: config.isProduction, httpOnly: true, path: '/' },
      getCsrfTokenFromRequest: (req) => {
        const body = req.body as Record<string, unknown> | undefined;
        const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
        return fromBody ?? req.headers['x-csrf-token'];
      },
    });
  }

  /** A token for this session (issuing one also persists an anonymous visitor's session). */
  tokenFor(req: Request, res: Response): string {
    if (!req.session) req.startSession?.();
    if (!req.session) return '';
    req.session.csrf = true;
    return this.csrf.generateCsrfToken(req, res);
  }

  isValid(req: Request): boolean {
    if (!req.session) return false;
    try {
      return this.csrf.validateRequest(req);
    } catch {
      return false;
    }
  }
}

/**
 * Requests the CSRF check does not apply to: `/api` calls authenticated by a bearer token. Those
 * carry no cookies the browser adds on its own, so a forged cross-site request has no credentials;
 * the API guard (RequireApiToken) never looks at the session.
 */
export function isBearerApiRequest(req: Request): boolean {
  return req.path.startsWith('/api/') && /^Bearer\s/i.test(req.headers.authorization ?? '');
}
