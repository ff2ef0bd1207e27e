import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { deriveKey, keyedDigest } from '../../core/sealing';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 in lower case (no i, l, o, u): easy to read back from paper. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_LENGTH = 10; // 50 bits each

/**
 * Recovery codes: ten single-use codes, shown once, for when the authenticator app or passkey is
 * lost. Only a keyed digest (HMAC-SHA256, key derived from SESSION_SECRET) of each is stored, so
 * the table alone does not let anyone test guesses offline. A code is spent by one conditional
 * UPDATE, so two requests racing with the same code cannot both succeed.
 */
@Injectable()
export class RecoveryCodesService {
  private readonly key: Buffer;

  constructor(
    private readonly prisma: PrismaService,
    config: AppConfig,
  ) {
    this.key = deriveKey(config.values.SESSION_SECRET, 'event-planner/mfa-recovery-codes/v1');
  }

  /** A new set for the user (the old codes die with it); the plain codes, to show once. */
  async generate(userId: number, tx: Prisma.TransactionClient): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({
      data: codes.map((code) => ({ userId, codeHash: this.digest(code) })),
    });
    return codes.map(format);
  }

  /** Spends `input` if it is one of the user's unused codes. */
  async consume(userId: number, input: string): Promise<boolean> {
    const code = normalize(input);
    if (code.length !== CODE_LENGTH) return false;
    const spent = await this.prisma.recoveryCode.updateMany({
      where: { userId, codeHash: this.digest(code), usedAt: null },
      data: { usedAt: new Date() },
    });
    return spent.count === 1;
  }

  remaining(userId: number): Promise<number> {
    return this.prisma.recoveryCode.count({ where: { userId, usedAt: null } });
  }

  async remove(userId: number, tx: Prisma.TransactionClient): Promise<void> {
    await tx.recoveryCode.deleteMany({ where: { userId } });
  }

  private digest(code: string): string {
    return keyedDigest(this.key, code);
  }
}

/** Whether a typed code looks like a recovery code rather than a six-digit app code. */
export function looksLikeRecoveryCode(input: string): boolean {
  return normalize(input).length === CODE_LENGTH;
}

function newCode(): string {
  // 256 is a multiple of 32: taking each byte modulo 32 is unbiased.
  return [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

/** `abcde-fghjk`: two groups, as printed. */
function format(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** What a person may type: any case, spaces or hyphens, and the letters Crockford maps (o→0, i/l→1). */
function normalize(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
}
