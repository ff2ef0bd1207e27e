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
 * Counts log-in attempts per account and per client IP in Redis (rate-limiter-flexible), so the
 * limit holds across web replicas and under parallel requests. After LOGIN_FAILURES_PER_ACCOUNT
 * attempts without a success in the window the account refuses every attempt, right or wrong,
 * until the window ends; the per-IP limit stops one client from walking through many accounts. While Redis is down the counts fall back to memory
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

  /**
   * Counts a log-in attempt for the account and the client IP, before the password is looked at,
   * and says whether it may go ahead. Counting first (an atomic increment in Redis) is what makes
   * the limit hold under parallel requests: checking first and recording the failure after the
   * slow password hash let a burst of 40 simultaneous guesses all be judged. An attempt refused
   * here is counted too; the window does not grow with it.
   */
  async consumeAttempt(email: string, ip: string): Promise<ThrottleState> {
    const states = await Promise.all([this.consume(this.byAccount, email), this.consume(this.byIp, ip)]);
    const throttled = states.filter((state) => state.throttled);
    if (!throttled.length) return { throttled: false, retryAfterMinutes: 0 };
    return { throttled: true, retryAfterMinutes: Math.max(...throttled.map((s) => s.retryAfterMinutes)) };
  }

  /**
   * A successful log-in (or password reset) clears the account's count. With the client IP (a
   * log-in), that attempt is also given back to the IP: the per-IP limit counts failures only.
   */
  async recordSuccess(email: string, ip?: string): Promise<void> {
    await Promise.all([
      this.byAccount.delete(email).catch((error: Error) => this.logger.warn(error.message)),
      ip === undefined
        ? undefined
        : this.byIp.reward(ip, 1).catch((error: Error) => this.logger.warn(error.message)),
    ]);
  }

  private async consume(limiter: RateLimiterAbstract, key: string): Promise<ThrottleState> {
    try {
      await limiter.consume(key);
      return { throttled: false, retryAfterMinutes: 0 };
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        return { throttled: true, retryAfterMinutes: Math.max(1, Math.ceil(error.msBeforeNext / 60_000)) };
      }
      // Neither Redis nor the in-memory insurance answered: let the attempt through, say why.
      this.logger.warn((error as Error).message);
      return { throttled: false, retryAfterMinutes: 0 };
    }
  }
}
