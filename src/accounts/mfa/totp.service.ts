import { Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { AppConfig } from '../../config/app-config';
import { deriveKey, Sealer } from '../../core/sealing';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';

/** RFC 6238 as every authenticator app expects it: SHA-1, six digits, 30-second steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Codes of the step before and after the current one are accepted too (clock drift: ±30 s). */
const DRIFT_STEPS = 1;
const SECRET_BYTES = 20;
const ISSUER = 'Event Planner';

export interface TotpEnrolment {
  /** The sealed secret to keep (in the session) until the first code confirms it. */
  sealed: string;
  /** The secret as text, in groups of four, for typing into an app that cannot scan. */
  secretText: string;
  /** The `otpauth://` URI the QR code holds. */
  uri: string;
  /** The QR code as an SVG document (rendered inline: no request, no script). */
  qrSvg: string;
}

/**
 * Authenticator apps (TOTP) with `otpauth`. The secret is sealed (AES-256-GCM, Sealer) both while
 * enrolment waits for its first code (in the session) and once stored, with the user id as
 * associated data. A code is accepted once: each accepted code moves `lastUsedStep` forward in one
 * conditional UPDATE, so the same code (or an older one) fails afterwards, also when two requests
 * race with it.
 */
@Injectable()
export class TotpService {
  private readonly sealer: Sealer;

  constructor(
    private readonly prisma: PrismaService,
    config: AppConfig,
  ) {
    this.sealer = new Sealer(deriveKey(config.values.SESSION_SECRET, 'event-planner/mfa-totp/v1'));
  }

  async isActive(userId: number): Promise<boolean> {
    return (await this.prisma.totpAuthenticator.count({ where: { userId } })) > 0;
  }

  /** A fresh secret for `user`, not stored anywhere until `activate` confirms a code for it. */
  async newEnrolment(user: { id: number; email: string }): Promise<TotpEnrolment> {
    const secret = new Secret({ size: SECRET_BYTES });
    return this.describe(user, this.sealer.seal(enrolmentContext(user.id), secret.base32), secret);
  }

  /** The same enrolment again (the page re-rendered after a wrong code), or undefined if not ours. */
  async resumeEnrolment(
    user: { id: number; email: string },
    sealed: string,
  ): Promise<TotpEnrolment | undefined> {
    const secret = this.openEnrolment(user.id, sealed);
    return secret ? this.describe(user, sealed, secret) : undefined;
  }

  /**
   * Stores the enrolment's secret once `code` proves the app has it. The step of that code counts
   * as used. False for a wrong code, or when the user has an authenticator app already.
   */
  async activate(
    userId: number,
    sealed: string,
    code: string,
    tx: Prisma.TransactionClient,
  ): Promise<boolean> {
    const secret = this.openEnrolment(userId, sealed);
    const step = secret ? this.matchingStep(secret, code) : undefined;
    if (!secret || step === undefined) return false;
    // ON CONFLICT DO NOTHING: a second activation racing this one must not abort the transaction.
    const created = await tx.totpAuthenticator.createMany({
      data: {
        userId,
        sealedSecret: this.sealer.seal(storedContext(userId), secret.base32),
        lastUsedStep: BigInt(step),
        lastUsedAt: new Date(),
      },
      skipDuplicates: true,
    });
    return created.count === 1;
  }

  /** Whether `code` is a current code of the user's app not accepted before (and marks it used). */
  async verify(userId: number, code: string): Promise<boolean> {
    const row = await this.prisma.totpAuthenticator.findUnique({ where: { userId } });
    if (!row) return false;
    const step = this.matchingStep(
      Secret.fromBase32(this.sealer.open(storedContext(userId), row.sealedSecret)),
      code,
    );
    if (step === undefined) return false;
    const claimed = await this.prisma.totpAuthenticator.updateMany({
      where: { userId, lastUsedStep: { lt: BigInt(step) } },
      data: { lastUsedStep: BigInt(step), lastUsedAt: new Date() },
    });
    return claimed.count === 1;
  }

  async remove(userId: number, tx: Prisma.TransactionClient): Promise<boolean> {
    return (await tx.totpAuthenticator.deleteMany({ where: { userId } })).count > 0;
  }

  /** The time step `code` belongs to within the drift window, or undefined when it matches none. */
  private matchingStep(secret: Secret, code: string): number | undefined {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return undefined;
    const now = Date.now();
    const delta = this.totp(secret).validate({ token, timestamp: now, window: DRIFT_STEPS });
    return delta === null ? undefined : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  }

  private openEnrolment(userId: number, sealed: string): Secret | undefined {
    try {
      return Secret.fromBase32(this.sealer.open(enrolmentContext(userId), sealed));
    } catch {
      return undefined;
    }
  }

  private totp(secret: Secret, label = ''): TOTP {
    return new TOTP({
      issuer: ISSUER,
      label,
      algorithm: 'SHA1',
      digits: DIGITS,
      period: PERIOD_SECONDS,
      secret,
    });
  }

  private async describe(user: { email: string }, sealed: string, secret: Secret): Promise<TotpEnrolment> {
    const uri = this.totp(secret, user.email).toString();
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { sealed, secretText: secret.base32.replace(/(.{4})/g, '$1 ').trim(), uri, qrSvg };
  }
}

const enrolmentContext = (userId: number) => `totp-enrolment:${userId}`;
const storedContext = (userId: number) => `totp:${userId}`;
