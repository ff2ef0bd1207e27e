import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { LoginThrottleService } from './login-throttle.service';
import { toSessionUser, type SessionUser } from './session-user';
import { hashToken, newSecretToken, safeEqual } from './tokens';

/** Marks the API token format, so leaked tokens are recognisable (and greppable by scanners). */
export const API_TOKEN_PREFIX = 'ept_';
// last_used_at is a hint for the owner, not an audit log: write it at most once a minute per token.
const LAST_USED_RESOLUTION_MS = 60_000;

/** What a presented bearer token comes to (see ApiTokensService.authenticate). */
export type BearerOutcome =
  { user: SessionUser } | { refused: 'invalid' } | { refused: 'throttled'; retryAfterSeconds: number };

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
  constructor(
    private readonly prisma: PrismaService,
    private readonly throttle: LoginThrottleService,
  ) {}

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

  /**
   * The active user a bearer token from `ip` belongs to. Invalid tokens are counted per client
   * address (API_TOKEN_FAILURES_PER_IP in the log-in throttle's window); past the limit the
   * address is refused without a lookup until the window ends. Unlike log-in, valid tokens are not
   * counted first: a token is 256 random bits, so the guesses a burst gets in before the count
   * catches up are worthless, and counting every request would make a client's parallel calls
   * trip the limit. Failures are counted atomically, so a burst is told "invalid" at most
   * API_TOKEN_FAILURES_PER_IP times; the rest get 429.
   */
  async authenticate(token: string, ip: string): Promise<BearerOutcome> {
    const before = await this.throttle.bearerState(ip);
    if (before.throttled) return { refused: 'throttled', retryAfterSeconds: before.retryAfterSeconds };
    const user = await this.userOf(token);
    if (user) return { user };
    const after = await this.throttle.recordBearerFailure(ip);
    return after.throttled
      ? { refused: 'throttled', retryAfterSeconds: after.retryAfterSeconds }
      : { refused: 'invalid' };
  }

  private async userOf(token: string): Promise<SessionUser | undefined> {
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
