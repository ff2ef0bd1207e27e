import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import { AccountsService } from './accounts.service';
import type { SessionUser } from './session-user';

type Done<T> = (error: Error | null, value?: T | false) => void;
type Stored = { id: number; hash: string };

/**
 * The session holds `{ id, hash }`: the user id and a digest of the password hash. Each request
 * reloads the user, so deactivation and password changes end existing sessions at once.
 */
@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(private readonly accounts: AccountsService) {
    super();
  }

  serializeUser(user: SessionUser, done: Done<Stored>): void {
    this.accounts
      .passwordHashOf(user.id)
      .then((passwordHash) => done(null, { id: user.id, hash: this.accounts.sessionAuthHash(passwordHash) }))
      .catch((error: Error) => done(error));
  }

  deserializeUser(payload: unknown, done: Done<SessionUser>): void {
    const stored = payload as Partial<Stored> | undefined;
    if (typeof stored?.id !== 'number' || typeof stored.hash !== 'string') return done(null, false);
    this.accounts
      .userForSession(stored.id, stored.hash)
      .then((user) => done(null, user ?? false))
      // Database down: the error reaches configureSessions' wrapper, which serves this request
      // anonymously but keeps the session (returning false would make Passport log the user out).
      .catch((error: Error) => done(error));
  }
}
