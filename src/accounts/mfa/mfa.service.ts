import { languageOf } from '../../i18n/languages';
import { message } from '../../i18n/translator';
import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { MailService } from '../../mail/mail.service';
import { PrismaService } from '../../prisma/prisma.service';
import { looksLikeRecoveryCode, RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';
import { TrustedBrowsersService, type TrustedBrowserSummary } from './trusted-browsers.service';
import { WebauthnService, type NewCredential, type PasskeySummary } from './webauthn.service';

/** How a second step was passed (recorded in the session, shown in e-mails). */
export type SecondFactor = 'totp' | 'recovery_code' | 'webauthn';

export interface MfaOverview {
  /** An authenticator app or a passkey: log-in asks for a second step. */
  enabled: boolean;
  totp: { createdAt: Date; lastUsedAt: Date | null } | null;
  passkeys: PasskeySummary[];
  recoveryCodesLeft: number;
  trustedBrowsers: TrustedBrowserSummary[];
}

/** What the second step of a log-in can offer this user. */
export interface SecondStepMethods {
  totp: boolean;
  passkeys: boolean;
  recoveryCodes: boolean;
}

interface Member {
  id: number;
  email: string;
  displayName: string;
  /** Their e-mails' language (see languageOf). */
  language?: string | null;
}

/**
 * Two-factor sign-in as one feature: which factors a user has, the second step's check, and every
 * change to them. Each change and its e-mail to the member ("a passkey was added…", through
 * MailService and the worker) commit in one transaction. Recovery codes come with the first factor
 * and go with the last; removing a factor also ends every "trusted browser".
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly webauthn: WebauthnService,
    private readonly trustedBrowsers: TrustedBrowsersService,
    private readonly mail: MailService,
  ) {}

  async isEnabled(
    userId: number,
    client: Prisma.TransactionClient | PrismaService = this.prisma,
  ): Promise<boolean> {
    const [totp, passkeys] = await Promise.all([
      client.totpAuthenticator.count({ where: { userId } }),
      client.webauthnCredential.count({ where: { userId } }),
    ]);
    return totp + passkeys > 0;
  }

  async methods(userId: number): Promise<SecondStepMethods> {
    const [totp, passkeys, recoveryCodes] = await Promise.all([
      this.totp.isActive(userId),
      this.webauthn.count(userId),
      this.recoveryCodes.remaining(userId),
    ]);
    return { totp, passkeys: passkeys > 0, recoveryCodes: recoveryCodes > 0 };
  }

  async overview(userId: number): Promise<MfaOverview> {
    const [totp, passkeys, recoveryCodesLeft, trustedBrowsers] = await Promise.all([
      this.prisma.totpAuthenticator.findUnique({
        where: { userId },
        select: { createdAt: true, lastUsedAt: true },
      }),
      this.webauthn.list(userId),
      this.recoveryCodes.remaining(userId),
      this.trustedBrowsers.list(userId),
    ]);
    return { enabled: !!totp || passkeys.length > 0, totp, passkeys, recoveryCodesLeft, trustedBrowsers };
  }

  /**
   * The second step with a typed code: a six-digit code from the app, or a recovery code (spent,
   * and the member told by e-mail how many are left). Undefined when it is neither.
   */
  async verifyCode(user: Member, code: string): Promise<SecondFactor | undefined> {
    if (!looksLikeRecoveryCode(code)) return (await this.totp.verify(user.id, code)) ? 'totp' : undefined;
    if (!(await this.recoveryCodes.consume(user.id, code))) return undefined;
    const left = await this.recoveryCodes.remaining(user.id);
    await this.notify(user, {
      headline: 'emails.twoFactor.headlines.recoveryUsed',
      detail: message('emails.twoFactor.details.codesLeft', { count: left }),
    });
    return 'recovery_code';
  }

  /**
   * Activates the authenticator app of a pending enrolment once `code` confirms it. Returns the
   * new recovery codes when this is the member's first factor (to show once), `[]` otherwise.
   */
  async activateTotp(user: Member, sealed: string, code: string): Promise<string[] | undefined> {
    return this.prisma.$transaction(async (tx) => {
      if (!(await this.totp.activate(user.id, sealed, code, tx))) return undefined;
      const codes = await this.firstFactorCodes(user.id, tx);
      await this.notify(user, { headline: 'emails.twoFactor.headlines.totpAdded' }, tx);
      return codes;
    });
  }

  async removeTotp(user: Member): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      if (!(await this.totp.remove(user.id, tx))) return false;
      await this.afterRemoval(user, tx, { headline: 'emails.twoFactor.headlines.totpRemoved' });
      return true;
    });
  }

  /** Saves a verified passkey; the new recovery codes as for activateTotp, undefined if a duplicate. */
  async addPasskey(user: Member, name: string, credential: NewCredential): Promise<string[] | undefined> {
    return this.prisma.$transaction(async (tx) => {
      if (!(await this.webauthn.save(user.id, name, credential, tx))) return undefined;
      const codes = await this.firstFactorCodes(user.id, tx);
      await this.notify(user, { headline: message('emails.twoFactor.headlines.passkeyAdded', { name }) }, tx);
      return codes;
    });
  }

  async removePasskey(user: Member, id: number): Promise<string | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const name = await this.webauthn.remove(user.id, id, tx);
      if (name === undefined) return undefined;
      await this.afterRemoval(user, tx, {
        headline: message('emails.twoFactor.headlines.passkeyRemoved', { name }),
      });
      return name;
    });
  }

  /** A new set of recovery codes (the old ones die); only for members with a factor. */
  async regenerateRecoveryCodes(user: Member): Promise<string[] | undefined> {
    return this.prisma.$transaction(async (tx) => {
      if (!(await this.isEnabled(user.id, tx))) return undefined;
      const codes = await this.recoveryCodes.generate(user.id, tx);
      await this.notify(
        user,
        {
          headline: 'emails.twoFactor.headlines.codesRegenerated',
          detail: 'emails.twoFactor.details.oldCodes',
        },
        tx,
      );
      return codes;
    });
  }

  /**
   * Removes every factor, recovery code and trusted browser of a member (staff, from the admin,
   * in the transaction of its admin-log entry): they log in with their password alone until they
   * enrol again. What was removed, for the log.
   */
  async reset(user: Member, tx: Prisma.TransactionClient): Promise<string[]> {
    const removed: string[] = [];
    if (await this.totp.remove(user.id, tx)) removed.push('authenticator app');
    const passkeys = await this.webauthn.removeAll(user.id, tx);
    if (passkeys) removed.push(`${passkeys} passkey${passkeys === 1 ? '' : 's'}`);
    await this.recoveryCodes.remove(user.id, tx);
    await this.trustedBrowsers.forgetAll(user.id, tx);
    if (removed.length) {
      // Said in the member's language (what this returns, for the admin log, stays English).
      const what = passkeys ? (removed.length > 1 ? 'totpAndPasskeys' : 'passkeys') : 'totp';
      await this.notify(
        user,
        {
          headline: 'emails.twoFactor.headlines.reset',
          detail: message(`twoFactor.staffReset.${what}`, { count: passkeys }),
        },
        tx,
      );
    }
    return removed;
  }

  private async firstFactorCodes(userId: number, tx: Prisma.TransactionClient): Promise<string[]> {
    const existing = await tx.recoveryCode.count({ where: { userId } });
    return existing ? [] : this.recoveryCodes.generate(userId, tx);
  }

  /** After a factor went: no factor left, no recovery codes; no browser stays trusted either way. */
  private async afterRemoval(user: Member, tx: Prisma.TransactionClient, message: { headline: string }) {
    await this.trustedBrowsers.forgetAll(user.id, tx);
    const stillEnabled = await this.isEnabled(user.id, tx);
    if (!stillEnabled) await this.recoveryCodes.remove(user.id, tx);
    await this.notify(
      user,
      {
        ...message,
        detail: stillEnabled ? 'emails.twoFactor.details.othersProtect' : 'emails.twoFactor.details.nowOff',
      },
      tx,
    );
  }

  private async notify(
    user: Member,
    message: { headline: string; detail?: string },
    tx?: Prisma.TransactionClient,
  ): Promise<void> {
    await this.mail.send(
      'two-factor-changed',
      user.email,
      {
        displayName: user.displayName,
        headline: message.headline,
        detail: message.detail ?? '',
        lang: languageOf(user),
      },
      { tx },
    );
  }
}
