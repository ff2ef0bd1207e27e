import { Injectable, Logger } from '@nestjs/common';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';

/** E-mails the public account forms may send to one address per hour. */
export const ACCOUNT_MAILS_PER_HOUR = 5;

export interface ThrottleState {
  throttled: boolean;
  /** Whole minutes until the next attempt is allowed (≥ 1 when throttled). */
  retryAfterMinutes: number;
}

/**
 * Counts failed log-ins per account and per client IP in Redis (rate-limiter-flexible), so the
 * limit holds across web replicas. After LOGIN_FAILURES_PER_ACCOUNT failures in the window the
 * account refuses every attempt, right or wrong, until the window ends; the per-IP limit stops one
 * client from walking through many accounts. While Redis is down the counts fall back to memory
 * (per process) rather than disabling the protection or the log-in.
 */
@Injectable()
export class LoginThrottleService {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly byAccount: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;
  private readonly accountMail: RateLimiterAbstract;

  constructor(config: AppConfig, redis: RedisService) {
    const duration = config.values.LOGIN_THROTTLE_MINUTES * 60;
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis.client,
        keyPrefix,
        points,
        duration,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
      });
    this.byAccount = limiter('login-fail:account', config.values.LOGIN_FAILURES_PER_ACCOUNT);
    this.byIp = limiter('login-fail:ip', config.values.LOGIN_FAILURES_PER_IP);
    this.accountMail = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: 'account-mail',
      points: ACCOUNT_MAILS_PER_HOUR,
      duration: 3_600,
      insuranceLimiter: new RateLimiterMemory({
        keyPrefix: 'account-mail',
        points: ACCOUNT_MAILS_PER_HOUR,
        duration: 3_600,
      }),
    });
  }

  /**
   * Whether another reset / verification / "account exists" e-mail may go to this address now.
   * Stops anyone from mail-bombing an address through the public forms; callers skip the e-mail
   * silently (the page says the same either way).
   */
  async allowAccountEmail(email: string): Promise<boolean> {
    try {
      await this.accountMail.consume(email);
      return true;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) this.logger.warn((error as Error).message);
      return false;
    }
  }

  async check(email: string, ip: string): Promise<ThrottleState> {
    const states = await Promise.all([this.stateOf(this.byAccount, email), this.stateOf(this.byIp, ip)]);
    const throttled = states.filter((state) => state.throttled);
    if (!throttled.length) return { throttled: false, retryAfterMinutes: 0 };
    return { throttled: true, retryAfterMinutes: Math.max(...throttled.map((s) => s.retryAfterMinutes)) };
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([this.consume(this.byAccount, email), this.consume(this.byIp, ip)]);
  }

  /** A successful log-in clears the account's count (not the IP's). */
  async recordSuccess(email: string): Promise<void> {
    await this.byAccount.delete(email).catch((error: Error) => this.logger.warn(error.message));
  }

  private async stateOf(limiter: RateLimiterAbstract, key: string): Promise<ThrottleState> {
    const result = await limiter.get(key);
    if (!result || result.consumedPoints < limiter.points) return { throttled: false, retryAfterMinutes: 0 };
    return { throttled: true, retryAfterMinutes: Math.max(1, Math.ceil(result.msBeforeNext / 60_000)) };
  }

  private async consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (error) {
      // Over the limit is expected here (it is what check() reports); anything else is not.
      if (!(error instanceof RateLimiterRes)) this.logger.warn((error as Error).message);
    }
  }
}
