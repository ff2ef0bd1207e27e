import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import RedisStore from 'connect-redis';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session, { type SessionData } from 'express-session';
import passport from 'passport';
import type { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { takeFlash } from '../web/flash';
import { CsrfService } from './csrf.service';

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
 * Server-side sessions in Redis (express-session + connect-redis), Passport, and the locals every
 * page gets: `currentUser`, `csrfToken` and `flash`. Call after the static-file middleware (assets
 * need no session) and before the app starts listening.
 *
 * The cookie is HttpOnly, SameSite=Lax, Secure in production, and a browser-session cookie unless
 * the user ticks "remember me" at log-in (then SESSION_REMEMBER_DAYS).
 */
export function configureSessions(app: NestExpressApplication, config: AppConfig): void {
  const logger = new Logger('Sessions');
  // Its own connection, with the offline queue on: a request arriving while the connection is
  // (re)established waits briefly instead of failing; maxRetriesPerRequest still bounds the wait.
  const client = app.get(RedisService).connect('sessions', { enableOfflineQueue: true });
  const store = new RedisStore({ client, prefix: 'sess:', ttl: ttlOf });
  const sessions = session({
    name: sessionCookieName(config),
    secret: config.values.SESSION_SECRET,
    store,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, path: '/' },
  });

  app.use(cookieParser());
  // With Redis down, pages still render (anonymously); log-in and forms then fail with a message.
  app.use((req: Request, res: Response, next: NextFunction) =>
    sessions(req, res, (error?: unknown) => {
      if (error) logger.warn(`Session store unavailable: ${(error as Error).message ?? error}`);
      next();
    }),
  );
  app.use(passport.initialize());
  const passportSession = passport.session() as RequestHandler;
  app.use((req: Request, res: Response, next: NextFunction) =>
    req.session ? passportSession(req, res, next) : next(),
  );

  const csrf = app.get(CsrfService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.currentUser = req.user ?? null;
    // Getters, evaluated only when a page is rendered: JSON responses and redirects issue no
    // token (and create no session), and flash messages are consumed only when shown.
    let token: string | undefined;
    let flash: ReturnType<typeof takeFlash> | undefined;
    Object.defineProperties(res.locals, {
      csrfToken: { enumerable: true, configurable: true, get: () => (token ??= csrf.tokenFor(req, res)) },
      flash: { enumerable: true, configurable: true, get: () => (flash ??= takeFlash(req)) },
    });
    next();
  });
}
