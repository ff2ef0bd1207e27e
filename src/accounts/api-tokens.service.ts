import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { toSessionUser, type SessionUser } from './session-user';
import { hashToken, newSecretToken, safeEqual } from './tokens';

/** Marks the API token format, so leaked tokens are recognisable (and greppable by scanners). */
export const API_TOKEN_PREFIX = 'ept_';
// last_used_at is a hint for the owner, not an audit log: write it at most once a minute per token.
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiTokenSummary {
  id: number;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Bearer tokens for the JSON API: shown once, stored as SHA-256, revocable, with a last-used time. */
@Injectable()
export class ApiTokensService {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates a token and returns its plain value: the only time anyone sees it. */
  async create(userId: number, name: string): Promise<{ id: number; token: string }> {
    const token = `${API_TOKEN_PREFIX}${newSecretToken()}`;
    const row = await this.prisma.apiToken.create({
      data: {
        userId,
        name,
        prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
        tokenHash: hashToken(token),
      },
    });
    return { id: row.id, token };
  }

  list(userId: number): Promise<ApiTokenSummary[]> {
    return this.prisma.apiToken.findMany({
      where: { userId, revokedAt: null },
      orderBy: { createdAt: 'desc' },
      select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true },
    });
  }

  /** Revokes one of the user's own tokens; false when there is no such live token. */
  async revoke(userId: number, tokenId: number): Promise<boolean> {
    const result = await this.prisma.apiToken.updateMany({
      where: { id: tokenId, userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return result.count === 1;
  }

  /** The active user a bearer token belongs to, or undefined. */
  async authenticate(token: string): Promise<SessionUser | undefined> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return undefined;
    const tokenHash = hashToken(token);
    const row = await this.prisma.apiToken.findUnique({ where: { tokenHash }, include: { user: true } });
    if (!row || !safeEqual(row.tokenHash, tokenHash) || row.revokedAt || !row.user.isActive) return undefined;
    const now = new Date();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    }
    return toSessionUser(row.user);
  }
}
