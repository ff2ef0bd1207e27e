import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import RedisStore from 'connect-redis';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session, { type SessionData } from 'express-session';
import passport from 'passport';
import type { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { chain } from '../web/chain';
import { PendingFlash } from '../web/flash';
import { sendServiceUnavailable } from '../web/problem';
import { CsrfService, isBearerApiRequest, SAFE_METHODS } from './csrf.service';
import { MfaService } from './mfa/mfa.service';
import { requireStaffTwoFactor } from './mfa/staff-policy';

export const SESSIONS_UNAVAILABLE_MESSAGE =
  'This needs our session store, which is not responding right now. Please try again in a minute.';

const DAY_SECONDS = 86_400;
// Server-side lifetime of sessions whose cookie ends with the browser (Django's two weeks), and of
// anonymous sessions (which exist only to hold a CSRF token and flash messages).
const BROWSER_SESSION_TTL = 14 * DAY_SECONDS;
const ANONYMOUS_SESSION_TTL = DAY_SECONDS;

export function sessionCookieName(config: AppConfig): string {
  // __Host- pins the cookie to this exact origin, HTTPS only (production).
  return config.isProduction ? '__Host-sessionid' : 'sessionid';
}

function ttlOf(sess: SessionData): number {
  const expires = sess.cookie?.expires;
  if (expires) return Math.max(1, Math.ceil((new Date(expires).getTime() - Date.now()) / 1000));
  return sess.passport?.user ? BROWSER_SESSION_TTL : ANONYMOUS_SESSION_TTL;
}

/**
 * `req.startSession` for a visitor without a session: starts one, once. A closure returned from here
 * rather than written as a function literal straight into the property, which V8 allocates in its
 * old generation (see `no-restricted-syntax` in eslint.config.mjs): such a closure kept every
 * anonymous request alive through young-generation collections (docs/performance.md).
 */
export function deferredStart(
  req: Request,
  res: Response,
  startSession: (req: Request, res: Response, next: () => void) => void,
): () => void {
  return () => {
    req.startSession = undefined;
    startSession(req, res, () => undefined);
  };
}

/**
 * Server-side sessions in Redis (express-session + connect-redis), Passport, and the locals every
 * page gets: `currentUser`, `csrfToken` and `flash`. Call after the static-file middleware (assets
 * need no session) and before the app starts listening.
 *
 * The cookie is HttpOnly, SameSite=Lax, Secure in production, and a browser-session cookie unless
 * the user ticks "remember me" at log-in (then SESSION_REMEMBER_DAYS).
 */
export function configureSessions(app: NestExpressApplication, config: AppConfig): void {
  const logger = new Logger('Sessions');
  // Its own fail-fast connection (no offline queue): a request never hangs on a Redis outage.
  const client = app.get(RedisService).connect('sessions');
  const store = new RedisStore({ client, prefix: 'sess:', ttl: ttlOf });
  const sessions = session({
    name: sessionCookieName(config),
    secret: config.values.SESSION_SECRET,
    store,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, path: '/' },
  });

  const steps: RequestHandler[] = [cookieParser()];
  // While Redis is down, pages render anonymously without waiting for it; forms and log-in then
  // answer 503 with a message (CsrfGuard). Only requests arriving before the very first
  // connection wait for it (briefly), so a freshly started process does not drop sessions.
  const firstConnection = new Promise<void>((resolve) => {
    client.once('ready', () => resolve());
    setTimeout(resolve, 5_000).unref();
  });
  const cookie = `${sessionCookieName(config)}=`;
  const startSession = (req: Request, res: Response, next: () => void) => {
    if (client.status !== 'ready') return next();
    let settled = false;
    sessions(req, res, (error?: unknown) => {
      // express-session calls back again when saving at the end of the response fails.
      if (error) logger.warn(`Session store unavailable: ${(error as Error).message ?? error}`);
      if (settled) return;
      settled = true;
      next();
    });
  };
  steps.push((req: Request, res: Response, next: NextFunction) => {
    const proceed = () => {
      if (SAFE_METHODS.has(req.method) && !(req.headers.cookie ?? '').includes(cookie)) {
        // A visitor without a session reading a page: like Django, create one only when something
        // is stored in it (a CSRF token for a form, a flash message). Most pages need none, and
        // this saves generating, hashing and checking a session on every anonymous request.
        // Without a cookie express-session starts the session synchronously, so it can happen
        // mid-request.
        req.startSession = deferredStart(req, res, startSession);
        return next();
      }
      startSession(req, res, next);
    };
    if (client.status === 'ready') proceed();
    else void firstConnection.then(proceed);
  });
  // A form post without a session cannot pass the CSRF check: say why instead of blaming the form.
  // (An Express middleware, not part of CsrfGuard, because the error filter hides 5xx messages.)
  steps.push((req: Request, res: Response, next: NextFunction) => {
    if (req.session || SAFE_METHODS.has(req.method) || isBearerApiRequest(req)) return next();
    sendServiceUnavailable(req, res, SESSIONS_UNAVAILABLE_MESSAGE, 60);
  });
  // passport.initialize() once, on the prototype of every request (Express's app.request), rather
  // than for each request: it only adds the same log-in/log-out methods and session manager to the
  // request, seven properties whose addition cost more than the rest of an anonymous page's
  // session handling. (compat: false: no req._passport for passport < 0.5 strategies; we have none.)
  const requestPrototype = (app.getHttpAdapter().getInstance() as { request: Request }).request;
  passport.initialize({ compat: false })(requestPrototype, {} as Response, () => undefined);
  const passportSession = passport.session() as RequestHandler;
  steps.push((req: Request, res: Response, next: NextFunction) => {
    if (!req.session) return next();
    passportSession(req, res, (error?: unknown) => {
      if (error) logger.warn(`Could not load the session user: ${(error as Error).message ?? error}`);
      next();
    });
  });

  // MFA_REQUIRED_FOR_STAFF: needs req.user, and runs before anything under /admin (the Nest
  // admin and Bull Board, mounted later); one config check per request when it is off.
  steps.push(requireStaffTwoFactor(config, app.get(MfaService)));

  const csrf = app.get(CsrfService);
  steps.push((req: Request, res: Response, next: NextFunction) => {
    res.locals.currentUser = req.user ?? null;
    // The token is issued only when a template prints `{{csrfToken}}` (Handlebars stringifies the
    // value): pages without a form, JSON responses and redirects create no anonymous session.
    // A getter would not do: Express copies res.locals on every render, calling every getter.
    let token: string | undefined;
    res.locals.csrfToken = { toString: () => (token ??= csrf.tokenFor(req, res)) };
    // Flash messages are consumed only when a page iterates them (see PendingFlash).
    res.locals.flash = new PendingFlash(req);
    next();
  });
  // One Express middleware for the whole stack (see chain).
  app.use(chain(steps));
}
