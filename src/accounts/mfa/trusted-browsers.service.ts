import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { deriveKey, keyedDigest } from '../../core/sealing';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';
import { hashToken, newSecretToken, safeEqual } from '../tokens';

export interface TrustedBrowserSummary {
  id: number;
  label: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
}

/**
 * "Trust this browser": after a second step with the box ticked, the browser gets a cookie that
 * skips the second step (never the password) for MFA_TRUST_DAYS. The cookie is
 * `<row id>.<random>.<signature>`: the row (which holds only the SHA-256 of the random part) makes
 * it revocable, one browser at a time from the profile or all at once; the signature (HMAC, key
 * derived from SESSION_SECRET) covers the user and their password hash, so a changed password
 * also ends every trust, and a forged cookie is refused without a query.
 */
@Injectable()
export class TrustedBrowsersService {
  private readonly key: Buffer;
  private readonly days: number;

  constructor(
    private readonly prisma: PrismaService,
    config: AppConfig,
  ) {
    this.key = deriveKey(config.values.SESSION_SECRET, 'event-planner/mfa-trusted-browser/v1');
    this.days = config.values.MFA_TRUST_DAYS;
  }

  /** Trusts the browser for the user: the cookie's value and when it expires. */
  async trust(
    user: { id: number; passwordHash: string },
    userAgent: string | undefined,
  ): Promise<{ value: string; expires: Date }> {
    const random = newSecretToken();
    const expires = new Date(Date.now() + this.days * 86_400_000);
    const row = await this.prisma.trustedBrowser.create({
      data: { userId: user.id, tokenHash: hashToken(random), label: labelOf(userAgent), expiresAt: expires },
    });
    return { value: `${row.id}.${random}.${this.sign(row.id, random, user)}`, expires };
  }

  /** Whether the cookie's value still trusts this browser for this user (and notes its use). */
  async isTrusted(value: unknown, user: { id: number; passwordHash: string }): Promise<boolean> {
    if (typeof value !== 'string') return false;
    const [idText, random, signature] = value.split('.');
    const id = Number(idText);
    if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647 || !random || !signature) return false;
    if (!safeEqual(this.sign(id, random, user), signature)) return false;
    const used = await this.prisma.trustedBrowser.updateMany({
      where: { id, userId: user.id, tokenHash: hashToken(random), expiresAt: { gt: new Date() } },
      data: { lastUsedAt: new Date() },
    });
    return used.count === 1;
  }

  list(userId: number): Promise<TrustedBrowserSummary[]> {
    return this.prisma.trustedBrowser.findMany({
      where: { userId, expiresAt: { gt: new Date() } },
      orderBy: { id: 'asc' },
      select: { id: true, label: true, createdAt: true, expiresAt: true, lastUsedAt: true },
    });
  }

  async forget(userId: number, id: number): Promise<boolean> {
    return (await this.prisma.trustedBrowser.deleteMany({ where: { id, userId } })).count > 0;
  }

  async forgetAll(
    userId: number,
    client: Prisma.TransactionClient | PrismaService = this.prisma,
  ): Promise<number> {
    return (await client.trustedBrowser.deleteMany({ where: { userId } })).count;
  }

  private sign(id: number, random: string, user: { id: number; passwordHash: string }): string {
    return keyedDigest(this.key, `${id}.${random}.${user.id}.${user.passwordHash}`);
  }
}

const BROWSERS: [string, RegExp][] = [
  ['Edge', /Edg\//],
  ['Opera', /OPR\//],
  ['Firefox', /Firefox\//],
  ['Chrome', /Chrom(e|ium)\//],
  ['Safari', /Safari\//],
];
const SYSTEMS: [string, RegExp][] = [
  ['Android', /Android/],
  ['iOS', /iPhone|iPad/],
  ['Windows', /Windows/],
  ['macOS', /Mac OS X|Macintosh/],
  ['Linux', /Linux|X11/],
];

/** "Chrome on Linux" and the like from a User-Agent, to recognise a browser on the profile. */
export function labelOf(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = BROWSERS.find(([, pattern]) => pattern.test(ua))?.[0] ?? 'A browser';
  const system = SYSTEMS.find(([, pattern]) => pattern.test(ua))?.[0];
  return system ? `${browser} on ${system}` : browser;
}
