import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { AccountsService } from '../accounts.service';
import type { SessionUser } from '../session-user';
import { MfaService } from './mfa.service';
import { TrustedBrowsersService } from './trusted-browsers.service';

export const SECOND_STEP_PATH = '/accounts/2fa/authenticate';

/**
 * The log-in's decision whether a second step follows the password, and the "trust this browser"
 * cookie that can skip it: HttpOnly, SameSite=Lax, Secure and `__Host-` in production, scoped to
 * /accounts (only log-in reads it).
 */
@Injectable()
export class TwoFactorLogin {
  private readonly cookieName: string;
  private readonly secure: boolean;

  constructor(
    private readonly mfa: MfaService,
    private readonly trustedBrowsers: TrustedBrowsersService,
    private readonly accounts: AccountsService,
    config: AppConfig,
  ) {
    this.secure = config.isProduction;
    // __Host- requires Path=/; elsewhere the narrower path keeps it off every other request.
    this.cookieName = config.isProduction ? '__Host-mfa_trusted' : 'mfa_trusted';
  }

  /** Whether `user` (password just accepted) must pass a second step on this browser. */
  async needsSecondStep(req: Request, user: SessionUser): Promise<boolean> {
    if (!(await this.mfa.isEnabled(user.id))) return false;
    const cookie: unknown = (req.cookies as Record<string, unknown> | undefined)?.[this.cookieName];
    if (!cookie) return true;
    const passwordHash = await this.accounts.passwordHashOf(user.id);
    return !(await this.trustedBrowsers.isTrusted(cookie, { id: user.id, passwordHash }));
  }

  /** Trusts this browser for MFA_TRUST_DAYS (after a passed second step with the box ticked). */
  async trustBrowser(req: Request, res: Response, user: SessionUser): Promise<void> {
    const passwordHash = await this.accounts.passwordHashOf(user.id);
    const { value, expires } = await this.trustedBrowsers.trust(
      { id: user.id, passwordHash },
      req.get('user-agent'),
    );
    res.cookie(this.cookieName, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: this.secure ? '/' : '/accounts',
      expires,
    });
  }
}
