import { isLanguage, languageOf, type Language } from '../i18n/languages';
import { createHmac } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AccountTokenPurpose, Prisma, type User } from '../generated/prisma/client';
import { MailService } from '../mail/mail.service';
import { PrismaService } from '../prisma/prisma.service';
import type { FieldErrors } from '../web/forms';
import { emailProblem, normalizeEmail } from './email';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './passwords';
import { toSessionUser, type SessionUser } from './session-user';
import { hashToken, isWellFormedToken, newSecretToken, safeEqual } from './tokens';

export const VERIFICATION_TOKEN_HOURS = 72;
export const RESET_TOKEN_HOURS = 2;

export type Outcome<T = void> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

// Messages are catalogue keys (src/i18n/locales), translated where they are shown.
const PASSWORD_MISMATCH = 'validation.passwordMismatch';

function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}
function fail<T>(errors: FieldErrors): Outcome<T> {
  return { ok: false, errors };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/**
 * Accounts: sign-up and e-mail verification, authentication, password reset and change, profile.
 * E-mails go through MailService inside the same transaction as the change that causes them, so a
 * rolled-back sign-up sends nothing and a committed one always sends.
 */
@Injectable()
export class AccountsService {
  private readonly logger = new Logger(AccountsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly passwords: PasswordService,
    private readonly mail: MailService,
    private readonly config: AppConfig,
    private readonly throttle: LoginThrottleService,
  ) {}

  /**
   * Creates an unverified account and e-mails a verification link. When the address already has an
   * account, the caller gets the same answer (no enumeration) and the owner gets an e-mail instead:
   * a fresh verification link if still unverified, else an "you already have an account" note.
   * Both paths hash the password and write one e-mail in a transaction, so they take as long.
   */
  async signup(input: {
    email: string;
    displayName: string;
    password: string;
    password2: string;
    /** The language the person signed up in: stored with the account, so its e-mails use it. */
    language?: Language;
  }): Promise<Outcome> {
    const problems = this.newPasswordProblems(input.password, input.password2, input);
    if (problems) return fail(problems);
    const passwordHash = await this.passwords.hash(input.password);
    try {
      await this.prisma.$transaction(async (tx) => {
        const existing = await tx.user.findUnique({ where: { email: input.email } });
        if (existing) {
          await this.sendExistingAccountMail(tx, existing, input.language);
          return;
        }
        const user = await tx.user.create({
          data: {
            email: input.email,
            displayName: input.displayName,
            passwordHash,
            language: input.language ?? null,
          },
        });
        await this.sendVerification(tx, user);
      });
    } catch (error) {
      // Two sign-ups for one address at once: the loser is an "existing account" case.
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.prisma.user.findUnique({ where: { email: input.email } });
      if (existing) {
        await this.prisma.$transaction((tx) => this.sendExistingAccountMail(tx, existing, input.language));
      }
    }
    return ok(undefined);
  }

  /** Sends a new verification link to a signed-in, still unverified user; false when rate-limited. */
  async resendVerification(userId: number): Promise<boolean> {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user || user.emailVerifiedAt || !user.isActive) return true;
    if (!(await this.throttle.allowAccountEmail(user.email))) return false;
    await this.prisma.$transaction((tx) => this.sendVerification(tx, user));
    return true;
  }

  /** Whether a verification link is still usable (to show the confirm button or an error page). */
  async isVerificationTokenValid(token: string): Promise<boolean> {
    return (
      (await this.findLiveToken(this.prisma, token, AccountTokenPurpose.email_verification)) !== undefined
    );
  }

  /**
   * Spends a verification token and sends the welcome e-mail (same transaction); returns the
   * verified user, or undefined for a bad token.
   */
  async verifyEmail(token: string): Promise<SessionUser | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const row = await this.spendToken(tx, token, AccountTokenPurpose.email_verification);
      if (!row) return undefined;
      const user = await tx.user.update({
        where: { id: row.userId },
        data: { emailVerifiedAt: new Date() },
      });
      await this.mail.send(
        'welcome',
        user.email,
        { displayName: user.displayName, lang: languageOf(user) },
        { tx },
      );
      return toSessionUser(user);
    });
  }

  /** Whether a reset link is still usable (to show the form or an "expired link" page). */
  async isResetTokenValid(token: string): Promise<boolean> {
    return (await this.findLiveToken(this.prisma, token, AccountTokenPurpose.password_reset)) !== undefined;
  }

  /**
   * E-mails a reset link when the address belongs to an active account; does nothing otherwise.
   * The caller answers the same either way (and pads the response time: see the controller).
   */
  async requestPasswordReset(email: string): Promise<void> {
    const user = await this.prisma.user.findUnique({ where: { email } });
    if (!user?.isActive || !(await this.throttle.allowAccountEmail(user.email))) return;
    await this.prisma.$transaction(async (tx) => {
      const token = await this.createToken(
        tx,
        user.id,
        AccountTokenPurpose.password_reset,
        RESET_TOKEN_HOURS,
      );
      await this.mail.send(
        'password-reset',
        user.email,
        { displayName: user.displayName, expiresInHours: RESET_TOKEN_HOURS, lang: languageOf(user) },
        { tx, secrets: { resetPath: `/accounts/password-reset/${token}` } },
      );
    });
  }

  /**
   * Sets a new password with a reset token (single use). Every session of the user ends, because
   * sessions carry a digest of the password hash (see sessionAuthHash). Proving the mailbox also
   * verifies the address.
   */
  async resetPassword(token: string, password: string, password2: string): Promise<Outcome<SessionUser>> {
    const live = await this.findLiveToken(this.prisma, token, AccountTokenPurpose.password_reset);
    if (!live) return fail({ token: ['validation.resetLinkInvalid'] });
    const problems = this.newPasswordProblems(password, password2, live.user);
    if (problems) return fail(problems);
    const passwordHash = await this.passwords.hash(password);
    const user = await this.prisma.$transaction(async (tx) => {
      const spent = await this.spendToken(tx, token, AccountTokenPurpose.password_reset);
      if (!spent) return undefined;
      // Older reset links for this account die with this one.
      await tx.accountToken.updateMany({
        where: { userId: spent.userId, purpose: AccountTokenPurpose.password_reset, usedAt: null },
        data: { usedAt: new Date() },
      });
      return tx.user.update({
        where: { id: spent.userId },
        data: { passwordHash, emailVerifiedAt: live.user.emailVerifiedAt ?? new Date() },
      });
    });
    if (!user) return fail({ token: ['validation.resetLinkInvalid'] });
    return ok(toSessionUser(user));
  }

  /** The user behind an e-mail and password, or undefined (unknown, wrong, or inactive). */
  async authenticate(email: string, password: string): Promise<User | undefined> {
    const normalized = normalizeEmail(email);
    const user =
      typeof normalized === 'string' && !emailProblem(normalized)
        ? await this.prisma.user.findUnique({ where: { email: normalized } })
        : null;
    if (!user) {
      await this.passwords.verifyDummy(password);
      return undefined;
    }
    const valid = await this.passwords.verify(user.passwordHash, password);
    return valid && user.isActive ? user : undefined;
  }

  async recordLogin(userId: number): Promise<void> {
    await this.prisma.user.update({ where: { id: userId }, data: { lastLoginAt: new Date() } });
  }

  async changePassword(
    userId: number,
    input: { currentPassword: string; password: string; password2: string },
  ): Promise<Outcome<User>> {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    if (!(await this.passwords.verify(user.passwordHash, input.currentPassword))) {
      return fail({
        currentPassword: ['validation.currentPasswordWrong'],
      });
    }
    const problems = this.newPasswordProblems(input.password, input.password2, user);
    if (problems) return fail(problems);
    const updated = await this.prisma.user.update({
      where: { id: userId },
      data: { passwordHash: await this.passwords.hash(input.password) },
    });
    return ok(updated);
  }

  async updateProfile(userId: number, input: { displayName: string; language?: string }): Promise<void> {
    await this.prisma.user.update({
      where: { id: userId },
      data: { displayName: input.displayName, language: isLanguage(input.language) ? input.language : null },
    });
  }

  /** An active user by id (a passkey named them), or undefined. */
  async activeUser(id: number): Promise<SessionUser | undefined> {
    const user = await this.prisma.user.findUnique({ where: { id } });
    return user?.isActive ? toSessionUser(user) : undefined;
  }

  /** The current user for a session (undefined when gone, inactive, or the password changed since). */
  async userForSession(id: number, hash: string): Promise<SessionUser | undefined> {
    const user = await this.prisma.user.findUnique({ where: { id } });
    if (!user?.isActive || !safeEqual(this.sessionAuthHash(user.passwordHash), hash)) return undefined;
    return toSessionUser(user);
  }

  /**
   * What a session stores next to the user id, like Django's session auth hash: an HMAC of the
   * password hash. Changing the password changes it, which logs out every other session.
   */
  sessionAuthHash(passwordHash: string): string {
    return createHmac('sha256', this.config.values.SESSION_SECRET)
      .update(`session-auth:${passwordHash}`)
      .digest('hex')
      .slice(0, 32);
  }

  async passwordHashOf(userId: number): Promise<string> {
    const user = await this.prisma.user.findUniqueOrThrow({
      where: { id: userId },
      select: { passwordHash: true },
    });
    return user.passwordHash;
  }

  private newPasswordProblems(
    password: string,
    password2: string,
    owner: { email?: string; displayName?: string },
  ): FieldErrors | undefined {
    const errors: FieldErrors = {};
    const problems = this.passwords.validate(password, owner);
    if (problems.length) errors.password = problems;
    if (password !== password2) errors.password2 = [PASSWORD_MISMATCH];
    return Object.keys(errors).length ? errors : undefined;
  }

  private async sendVerification(tx: Prisma.TransactionClient, user: User): Promise<void> {
    const token = await this.createToken(
      tx,
      user.id,
      AccountTokenPurpose.email_verification,
      VERIFICATION_TOKEN_HOURS,
    );
    await this.mail.send(
      'verify-email',
      user.email,
      { displayName: user.displayName, expiresInHours: VERIFICATION_TOKEN_HOURS, lang: languageOf(user) },
      { tx, secrets: { verifyPath: `/accounts/verify-email/${token}` } },
    );
  }

  /** `language`: the sign-up form's, for an account that never chose one. */
  private async sendExistingAccountMail(
    tx: Prisma.TransactionClient,
    user: User,
    language?: Language,
  ): Promise<void> {
    if (!user.isActive || !(await this.throttle.allowAccountEmail(user.email))) {
      // Deactivated (or rate-limited) addresses get nothing; the same query keeps timing close.
      await tx.user.findUnique({ where: { id: user.id } });
      return;
    }
    const reader = { ...user, language: user.language ?? language ?? null };
    if (!user.emailVerifiedAt) return this.sendVerification(tx, reader);
    await this.mail.send(
      'account-exists',
      user.email,
      { displayName: user.displayName, lang: languageOf(reader) },
      { tx },
    );
  }

  private async createToken(
    tx: Prisma.TransactionClient,
    userId: number,
    purpose: AccountTokenPurpose,
    hours: number,
  ): Promise<string> {
    const token = newSecretToken();
    await tx.accountToken.create({
      data: {
        userId,
        purpose,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + hours * 3_600_000),
      },
    });
    return token;
  }

  private async findLiveToken(
    client: Prisma.TransactionClient | PrismaService,
    token: string,
    purpose: AccountTokenPurpose,
  ) {
    if (!isWellFormedToken(token)) return undefined;
    const tokenHash = hashToken(token);
    const row = await client.accountToken.findUnique({ where: { tokenHash }, include: { user: true } });
    // The index lookup already matched; the constant-time re-check guards against any collation surprise.
    if (!row || !safeEqual(row.tokenHash, tokenHash) || row.purpose !== purpose) return undefined;
    if (row.usedAt || row.expiresAt <= new Date() || !row.user.isActive) return undefined;
    return row;
  }

  /** Marks a live token used; the conditional update makes it single-use under concurrency. */
  private async spendToken(tx: Prisma.TransactionClient, token: string, purpose: AccountTokenPurpose) {
    const row = await this.findLiveToken(tx, token, purpose);
    if (!row) return undefined;
    const spent = await tx.accountToken.updateMany({
      where: { id: row.id, usedAt: null },
      data: { usedAt: new Date() },
    });
    return spent.count === 1 ? row : undefined;
  }
}
