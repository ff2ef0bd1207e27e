import { createHash } from 'node:crypto';
import {
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { Reflector } from '@nestjs/core';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { requirementKey, type AccessRequirement } from '../accounts/access-requirements';
import { clientIp } from '../accounts/render';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { bearerToken } from '../web/bearer-token';

/**
 * Per-token rate limit for the JSON API (a fixed window per minute in Redis, so it holds across web
 * replicas). Keyed by a hash of the bearer token as sent, so unknown tokens are limited too; calls
 * without a token to the operations open to anonymous callers (AllowAnonymousApi) are keyed by the
 * client address instead, with the same budget. When
 * Redis is unreachable the API keeps answering (the limit is protection, not correctness).
 */
@Injectable()
export class ApiRateLimitGuard implements CanActivate {
  private readonly logger = new Logger(ApiRateLimitGuard.name);
  private readonly limiter: RateLimiterRedis;

  constructor(
    config: AppConfig,
    redis: RedisService,
    private readonly reflector: Reflector,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: 'api-rate',
      points: config.values.API_RATE_LIMIT_PER_MINUTE,
      duration: 60,
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const token = bearerToken(req);
    const anonymous = !token && this.allowsAnonymous(context);
    // No token on an operation that needs one: the token guard answers 401, nothing to count.
    if (!token && !anonymous) return true;
    const key = token
      ? createHash('sha256').update(token).digest('hex').slice(0, 32)
      : `address:${clientIp(req.ip)}`;
    const per = token ? 'per token' : 'per client address without a token';
    try {
      const state = await this.limiter.consume(key);
      res.setHeader('RateLimit-Limit', String(this.limiter.points));
      res.setHeader('RateLimit-Remaining', String(state.remainingPoints));
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        res.setHeader('Retry-After', String(retryAfter));
        res.setHeader('RateLimit-Limit', String(this.limiter.points));
        res.setHeader('RateLimit-Remaining', '0');
        throw new HttpException(
          `Rate limit exceeded: at most ${this.limiter.points} requests a minute ${per}; retry in ${retryAfter} s.`,
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
      this.logger.warn(`rate limiter unavailable, request allowed: ${(error as Error).message}`);
      return true;
    }
  }

  private allowsAnonymous(context: ExecutionContext): boolean {
    const requirement = this.reflector.get<AccessRequirement | undefined>(
      requirementKey({ kind: 'apiToken' }),
      context.getHandler(),
    );
    return requirement?.kind === 'apiToken' && requirement.anonymous === true;
  }
}
