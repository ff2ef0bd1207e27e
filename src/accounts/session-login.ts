import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { message } from '../i18n/translator';
import { addFlash } from '../web/flash';
import { AccountsService } from './accounts.service';
import type { SessionUser } from './session-user';

/** Minutes after log-in (or re-authentication) in which sensitive changes need no password again. */
export const RECENT_AUTHENTICATION_MINUTES = 5;

/** How long the second step of a log-in may wait after the password was accepted. */
const PENDING_LOGIN_MINUTES = 10;

export interface PendingLogin {
  userId: number;
  /** The session auth hash when the password was accepted: a password change meanwhile ends it. */
  hash: string;
  remember: boolean;
  next?: string;
  expiresAt: number;
}

/**
 * Sessions across the steps of a log-in: the state between the password and the second step, and
 * the signed-in session that follows. Every step that changes who the session is for gets a new
 * session id (nothing carried over), so an id planted or seen before is worthless after it.
 * Methods reject when the session store fails (the caller answers 503).
 */
@Injectable()
export class SessionLogin {
  constructor(
    private readonly accounts: AccountsService,
    private readonly config: AppConfig,
  ) {}

  /** The password was right and a second step follows: a new, still anonymous session holding that. */
  async beginSecondStep(req: Request, user: SessionUser, options: { remember: boolean; next?: string }) {
    await regenerate(req);
    req.session.pendingLogin = {
      userId: user.id,
      hash: this.accounts.sessionAuthHash(await this.accounts.passwordHashOf(user.id)),
      remember: options.remember,
      next: options.next,
      expiresAt: Date.now() + PENDING_LOGIN_MINUTES * 60_000,
    };
    await save(req);
  }

  /** The pending log-in of this session, if still valid (not expired, same password). */
  async pendingUser(req: Request): Promise<{ pending: PendingLogin; user: SessionUser } | undefined> {
    const pending = req.session?.pendingLogin;
    if (!pending || pending.expiresAt < Date.now()) return undefined;
    const user = await this.accounts.userForSession(pending.userId, pending.hash);
    return user ? { pending, user } : undefined;
  }

  /** Ends a pending log-in (cancelled, or expired). */
  async abandon(req: Request): Promise<void> {
    if (!req.session?.pendingLogin) return;
    delete req.session.pendingLogin;
    await save(req);
  }

  /**
   * Signs `user` in: Passport regenerates the session (new id, nothing carried over, the pending
   * state included), "remember me" makes the cookie outlive the browser, the log-in is recorded.
   */
  async complete(
    req: Request,
    user: SessionUser,
    options: { remember: boolean; /** "Welcome back!" flash (default true). */ greeting?: boolean },
  ): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      req.logIn(user, (error) => (error ? reject(error) : resolve())),
    );
    if (options.remember) req.session.cookie.maxAge = this.config.values.SESSION_REMEMBER_DAYS * 86_400_000;
    req.session.authenticatedAt = Date.now();
    await this.accounts.recordLogin(user.id);
    if (options.greeting !== false)
      addFlash(
        req,
        'success',
        user.displayName ? message('flash.welcomeBackName', { name: user.displayName }) : 'flash.welcomeBack',
      );
    await save(req);
  }

  /** The password was entered again: sensitive changes are allowed for a few minutes. */
  markReauthenticated(req: Request): Promise<void> {
    req.session.authenticatedAt = Date.now();
    return save(req);
  }

  isRecentlyAuthenticated(req: Request): boolean {
    const at = req.session?.authenticatedAt;
    return typeof at === 'number' && Date.now() - at < RECENT_AUTHENTICATION_MINUTES * 60_000;
  }
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error) => (error ? reject(error) : resolve())),
  );
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error as Error) : resolve())),
  );
}
