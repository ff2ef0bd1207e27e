import { Injectable } from '@nestjs/common';
import { message } from '../i18n/translator';
import { AccountsService } from './accounts.service';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './passwords';
import type { SessionUser } from './session-user';

/** `message`: a catalogue key (a descriptor), translated where it is shown. */
export type PasswordCheck =
  | { ok: true }
  | { ok: false; throttled: false; message: string }
  | { ok: false; throttled: true; message: string; retryAfterSeconds: number };

/**
 * The password entered again by a signed-in user before a sensitive change (turning a second
 * factor off, re-authenticating). Counted by the log-in throttle like a log-in, before it is
 * checked: a borrowed session cannot be used to guess the password either.
 */
@Injectable()
export class PasswordConfirmation {
  constructor(
    private readonly accounts: AccountsService,
    private readonly passwords: PasswordService,
    private readonly throttle: LoginThrottleService,
  ) {}

  async check(user: SessionUser, password: unknown, ip: string): Promise<PasswordCheck> {
    if (typeof password !== 'string' || !password) {
      return { ok: false, throttled: false, message: 'validation.twoFactor.enterPassword' };
    }
    const throttle = await this.throttle.consumeAttempt(user.email, ip);
    if (throttle.throttled) {
      return {
        ok: false,
        throttled: true,
        retryAfterSeconds: throttle.retryAfterSeconds,
        message: message('twoFactor.passwordAgain.throttled', { count: throttle.retryAfterMinutes }),
      };
    }
    const hash = await this.accounts.passwordHashOf(user.id);
    if (!(await this.passwords.verify(hash, password))) {
      return {
        ok: false,
        throttled: false,
        message: 'twoFactor.passwordAgain.wrong',
      };
    }
    await this.throttle.recordSuccess(user.email, ip);
    return { ok: true };
  }
}
