import type {} from 'express-session';
import type {} from 'passport';
import type { User } from '../generated/prisma/client';
import type { PendingLogin } from './session-login';

/**
 * The signed-in user as every request sees it (`req.user`, `@CurrentUser()`, `res.locals.currentUser`).
 * Re-read from the database on each request, so deactivation or a password change takes effect at
 * once; never holds the password hash.
 */
export interface SessionUser {
  id: number;
  email: string;
  displayName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  emailVerifiedAt: Date | null;
  /** The profile's language (en, uk, ru), or null for the browser's. */
  language: string | null;
}

export function toSessionUser(user: User): SessionUser {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    isActive: user.isActive,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
    emailVerifiedAt: user.emailVerifiedAt,
    language: user.language,
  };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // Passport types req.user as Express.User; make it our SessionUser everywhere.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      /**
       * Starts a session for a visitor who came without one (see configureSessions): set only on
       * such requests, whose `req.session` stays undefined until something needs to store in it.
       */
      startSession?: () => void;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    /** Messages shown once on the next rendered page (src/web/flash.ts). */
    flash?: { level: 'success' | 'error' | 'info'; message: string }[];
    /** Set when a CSRF token was issued, so an anonymous visitor's session (and token) persists. */
    csrf?: true;
    /** Passport's slot: the user id and a digest of the password hash (see SessionSerializer). */
    passport?: { user?: { id: number; hash: string } };
    /** When this session last proved its user (log-in, password re-entered), ms since the epoch. */
    authenticatedAt?: number;
    /** The password was accepted and the second step is pending (see SessionLogin). */
    pendingLogin?: PendingLogin;
    /** An authenticator-app enrolment waiting for its first code: the sealed secret (TotpService). */
    totpEnrolment?: { sealed: string; expiresAt: number };
    /** The address this browser signed up with: confirming it here signs the member in. */
    signupEmail?: string;
  }
}
