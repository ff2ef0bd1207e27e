import { randomBytes } from 'node:crypto';
import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppConfig } from '../../config/app-config';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';
import { RedisService } from '../../redis/redis.service';

const RP_NAME = 'Event Planner';
/** How long a challenge may wait for its answer (the browser's own timeout is the same). */
const CHALLENGE_SECONDS = 300;

/**
 * What a challenge is for: adding a passkey, the second step of a log-in (after the password), or
 * a password-less log-in with a passkey alone.
 */
export type ChallengePurpose = 'register' | 'second-factor' | 'login';

export interface PasskeySummary {
  id: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  synced: boolean;
}

/** A verified new credential, as stored. */
export interface NewCredential {
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: bigint;
  transports: string[];
  userHandle: string;
  deviceType: string;
  backedUp: boolean;
}

export type RegistrationOutcome = { ok: true; credential: NewCredential } | { ok: false; error: string };

interface ChallengeRecord {
  /** The user the challenge was issued to; 0 for a password-less log-in (nobody yet). */
  userId: number;
  /** For registration: the WebAuthn user handle the new credential is created with. */
  userHandle?: string;
}

/**
 * Passkeys and security keys (WebAuthn) with @simplewebauthn/server; the browser half is
 * @simplewebauthn/browser, served from /static/vendor/simplewebauthn/. The relying party is
 * APP_URL: its host name is the RP ID, its origin the only origin accepted.
 *
 * Challenges live in Redis (not the session) and are taken with GETDEL while the response is
 * verified, so each is answered at most once even by requests racing with the same response.
 */
@Injectable()
export class WebauthnService {
  private readonly logger = new Logger(WebauthnService.name);
  private readonly rpId: string;
  private readonly origin: string;

  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    config: AppConfig,
  ) {
    const appUrl = new URL(config.values.APP_URL);
    this.rpId = appUrl.hostname;
    this.origin = appUrl.origin;
  }

  list(userId: number): Promise<PasskeySummary[]> {
    return this.prisma.webauthnCredential
      .findMany({ where: { userId }, orderBy: { id: 'asc' } })
      .then((rows) =>
        rows.map((row) => ({
          id: row.id,
          name: row.name,
          createdAt: row.createdAt,
          lastUsedAt: row.lastUsedAt,
          synced: row.deviceType === 'multiDevice',
        })),
      );
  }

  async count(userId: number): Promise<number> {
    return this.prisma.webauthnCredential.count({ where: { userId } });
  }

  /** Options for navigator.credentials.create(): a discoverable credential (a passkey). */
  async registrationOptions(user: {
    id: number;
    email: string;
    displayName: string;
  }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.prisma.webauthnCredential.findMany({
      where: { userId: user.id },
      select: { credentialId: true, transports: true, userHandle: true },
    });
    // One opaque handle per user (never the id or address), kept with each credential.
    const userHandle = existing[0]?.userHandle ?? randomBytes(32).toString('base64url');
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: this.rpId,
      userName: user.email,
      userDisplayName: user.displayName || user.email,
      userID: new Uint8Array(Buffer.from(userHandle, 'base64url')),
      attestationType: 'none',
      excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: row.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      timeout: CHALLENGE_SECONDS * 1000,
    });
    await this.keepChallenge('register', options.challenge, { userId: user.id, userHandle });
    return options;
  }

  /** Verifies the browser's answer to registrationOptions: the credential to save, or why not. */
  async verifyRegistration(userId: number, responseJson: string): Promise<RegistrationOutcome> {
    const response = parseCredential<RegistrationResponseJSON>(responseJson);
    if (!response) return { ok: false, error: NOT_A_CREDENTIAL };
    let challenge: ChallengeRecord | undefined;
    try {
      const verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: async (value) => {
          challenge = await this.takeChallenge('register', value);
          return challenge?.userId === userId;
        },
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: false,
      });
      if (!verification.verified || !challenge?.userHandle) return { ok: false, error: NOT_VERIFIED };
      const info = verification.registrationInfo;
      return {
        ok: true,
        credential: {
          credentialId: info.credential.id,
          publicKey: new Uint8Array(info.credential.publicKey),
          counter: BigInt(info.credential.counter),
          transports: (info.credential.transports ?? []).slice(0, 10),
          userHandle: challenge.userHandle,
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
        },
      };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw error;
      this.logger.debug(`Passkey registration refused: ${(error as Error).message}`);
      return { ok: false, error: NOT_VERIFIED };
    }
  }

  /** Stores a verified credential as `name`; false when it is registered already. */
  async save(
    userId: number,
    name: string,
    credential: NewCredential,
    tx: Prisma.TransactionClient,
  ): Promise<boolean> {
    // Checked first rather than caught: a unique violation would abort the caller's transaction.
    if (await tx.webauthnCredential.count({ where: { credentialId: credential.credentialId } })) return false;
    await tx.webauthnCredential.create({ data: { userId, name, ...credential } });
    return true;
  }

  /**
   * Options for navigator.credentials.get(). For the second step the user's own credentials are
   * listed; for a password-less log-in none are (the browser offers the passkeys it has for this
   * site) and the authenticator must verify the user (PIN, biometrics): then it is two factors.
   */
  async authenticationOptions(
    purpose: 'second-factor' | 'login',
    userId = 0,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowCredentials =
      purpose === 'login'
        ? []
        : (
            await this.prisma.webauthnCredential.findMany({
              where: { userId },
              select: { credentialId: true, transports: true },
            })
          ).map((row) => ({ id: row.credentialId, transports: row.transports }));
    const options = await generateAuthenticationOptions({
      rpID: this.rpId,
      allowCredentials,
      userVerification: purpose === 'login' ? 'required' : 'preferred',
      timeout: CHALLENGE_SECONDS * 1000,
    });
    await this.keepChallenge(purpose, options.challenge, { userId });
    return options;
  }

  /**
   * The user a credential's answer to authenticationOptions proves, or undefined. For the second
   * step, `expectedUserId` is the user whose password was accepted: another user's passkey fails.
   */
  async authenticate(
    purpose: 'second-factor' | 'login',
    responseJson: string,
    expectedUserId = 0,
  ): Promise<{ userId: number; name: string } | undefined> {
    const response = parseCredential<AuthenticationResponseJSON>(responseJson);
    if (!response || typeof response.id !== 'string') return undefined;
    const row = await this.prisma.webauthnCredential.findUnique({ where: { credentialId: response.id } });
    if (!row || (purpose === 'second-factor' && row.userId !== expectedUserId)) return undefined;
    // A password-less answer names its user: it must be the one the credential was made for.
    if (purpose === 'login' && response.response?.userHandle !== row.userHandle) return undefined;
    try {
      const verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: async (value) =>
          (await this.takeChallenge(purpose, value))?.userId === expectedUserId,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        credential: {
          id: row.credentialId,
          publicKey: new Uint8Array(row.publicKey),
          counter: Number(row.counter),
          transports: row.transports,
        },
        requireUserVerification: purpose === 'login',
      });
      if (!verification.verified) return undefined;
      await this.prisma.webauthnCredential.update({
        where: { id: row.id },
        data: {
          counter: BigInt(verification.authenticationInfo.newCounter),
          backedUp: verification.authenticationInfo.credentialBackedUp,
          lastUsedAt: new Date(),
        },
      });
      return { userId: row.userId, name: row.name };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw error;
      // A wrong origin, a replayed challenge, a counter that went backwards (a cloned key): refused.
      this.logger.debug(`Passkey assertion refused: ${(error as Error).message}`);
      return undefined;
    }
  }

  async rename(userId: number, id: number, name: string): Promise<boolean> {
    return (
      (await this.prisma.webauthnCredential.updateMany({ where: { id, userId }, data: { name } })).count > 0
    );
  }

  /** Removes one of the user's passkeys; its name, or undefined when there was no such passkey. */
  async remove(userId: number, id: number, tx: Prisma.TransactionClient): Promise<string | undefined> {
    const row = await tx.webauthnCredential.findFirst({ where: { id, userId }, select: { name: true } });
    if (!row) return undefined;
    await tx.webauthnCredential.deleteMany({ where: { id, userId } });
    return row.name;
  }

  async removeAll(userId: number, tx: Prisma.TransactionClient): Promise<number> {
    return (await tx.webauthnCredential.deleteMany({ where: { userId } })).count;
  }

  private async keepChallenge(purpose: ChallengePurpose, challenge: string, record: ChallengeRecord) {
    try {
      await this.redis.client.set(
        challengeKey(purpose, challenge),
        JSON.stringify(record),
        'EX',
        CHALLENGE_SECONDS,
      );
    } catch (error) {
      this.logger.warn(`Cannot keep a passkey challenge: ${(error as Error).message}`);
      throw new ServiceUnavailableException(PASSKEYS_UNAVAILABLE);
    }
  }

  private async takeChallenge(
    purpose: ChallengePurpose,
    challenge: string,
  ): Promise<ChallengeRecord | undefined> {
    let stored: string | null;
    try {
      stored = await this.redis.client.getdel(challengeKey(purpose, challenge));
    } catch (error) {
      this.logger.warn(`Cannot read a passkey challenge: ${(error as Error).message}`);
      throw new ServiceUnavailableException(PASSKEYS_UNAVAILABLE);
    }
    return stored ? (JSON.parse(stored) as ChallengeRecord) : undefined;
  }
}

// Shown on the page that sent the passkey: catalogue keys (src/i18n/locales).
const NOT_A_CREDENTIAL = 'validation.twoFactor.noPasskey';
const NOT_VERIFIED = 'validation.twoFactor.passkeyNotVerified';
const PASSKEYS_UNAVAILABLE = 'Passkeys are unavailable for a moment. Please try again in a minute.';

function challengeKey(purpose: ChallengePurpose, challenge: string): string {
  return `mfa:webauthn:${purpose}:${challenge.slice(0, 128)}`;
}

/** The browser's JSON (a hidden form field), or undefined when it is not an object. */
function parseCredential<T>(json: string): T | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
