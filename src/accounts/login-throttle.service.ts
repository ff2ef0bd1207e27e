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
  /** The same in whole seconds (≥ 1 when throttled), for Retry-After. */
  retryAfterSeconds: number;
}

const NOT_THROTTLED: ThrottleState = { throttled: false, retryAfterMinutes: 0, retryAfterSeconds: 0 };

function throttledFor(msBeforeNext: number): ThrottleState {
  return {
    throttled: true,
    retryAfterMinutes: Math.max(1, Math.ceil(msBeforeNext / 60_000)),
    retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1_000)),
  };
}

/**
 * Counts log-in attempts per account and per client IP in Redis (rate-limiter-flexible), so the
 * limit holds across web replicas and under parallel requests. After LOGIN_FAILURES_PER_ACCOUNT
 * attempts without a success in the window the account refuses every attempt, right or wrong,
 * until the window ends; the per-IP limit stops one client from walking through many accounts.
 * Invalid API tokens are counted per IP here too. While Redis is down the counts fall back to
 * memory (per process) rather than disabling the protection or the log-in.
 */
@Injectable()
export class LoginThrottleService {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly byAccount: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;
  private readonly bearerByIp: RateLimiterAbstract;
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
    this.bearerByIp = limiter('bearer-fail:ip', config.values.API_TOKEN_FAILURES_PER_IP);
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
    return states.find((state) => state.throttled) ? laterOf(states) : NOT_THROTTLED;
  }

  /**
   * Whether a client address may present API tokens now: false once API_TOKEN_FAILURES_PER_IP
   * invalid tokens came from it within the window (the caller answers 429 without a lookup).
   */
  async bearerState(ip: string): Promise<ThrottleState> {
    try {
      const result = await this.bearerByIp.get(ip);
      if (!result || result.consumedPoints < this.bearerByIp.points) return NOT_THROTTLED;
      return throttledFor(result.msBeforeNext);
    } catch (error) {
      this.logger.warn((error as Error).message);
      return NOT_THROTTLED;
    }
  }

  /**
   * Counts an invalid API token from `ip`, atomically, and says whether that one was already over
   * the limit (then it is answered 429 like the ones refused before the lookup, so however many
   * arrive at once, at most API_TOKEN_FAILURES_PER_IP are told "invalid").
   */
  recordBearerFailure(ip: string): Promise<ThrottleState> {
    return this.consume(this.bearerByIp, ip);
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
      return NOT_THROTTLED;
    } catch (error) {
      if (error instanceof RateLimiterRes) return throttledFor(error.msBeforeNext);
      // Neither Redis nor the in-memory insurance answered: let the attempt through, say why.
      this.logger.warn((error as Error).message);
      return NOT_THROTTLED;
    }
  }
}

/** The throttled state that lasts longest. */
function laterOf(states: ThrottleState[]): ThrottleState {
  return states.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
}
