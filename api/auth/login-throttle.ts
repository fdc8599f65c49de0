/**
 * Brute-force protection for login, shared by every API process through Redis: failed attempts
 * are counted per account and per address (each attempt counts until it succeeds); past a
 * threshold each attempt is slowed, and past the maximum it is refused with 429 until the window
 * ends. A success clears the account's count.
 */
import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../../core/config';
import { errors } from '../../core/errors';

/** Checks and records login attempts. */
export class LoginThrottle {
  private readonly byAccount: RateLimiterRedis;
  private readonly byIp: RateLimiterRedis;

  constructor(
    redis: Redis,
    private readonly settings: Config['login'],
  ) {
    const common = { storeClient: redis, duration: settings.windowSeconds, useRedisPackage: false };
    this.byAccount = new RateLimiterRedis({ ...common, keyPrefix: 'login-fail:account', points: settings.maxFailuresPerAccount });
    this.byIp = new RateLimiterRedis({ ...common, keyPrefix: 'login-fail:ip', points: settings.maxFailuresPerIp });
  }

  /**
   * Counts the attempt as a failure before the password is checked, for the account and the
   * address at once, so concurrent guesses cannot all pass a count read before any of them
   * failed. Past the maximum it refuses with 429 (and the attempt counts for neither); otherwise
   * it waits the slowdown the failures before this one have earned. A success gives it back.
   */
  async beforeAttempt(email: string, ip: string): Promise<void> {
    const limits = [
      { limiter: this.byAccount, key: accountKey(email) },
      { limiter: this.byIp, key: ip },
    ];
    const outcomes = await Promise.allSettled(limits.map(({ limiter, key }) => limiter.consume(key, 1)));
    const refusals = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (refusals.length > 0) {
      await Promise.allSettled(limits.map(({ limiter, key }) => limiter.reward(key, 1)));
      // Redis failed: the attempt is not let through unchecked.
      const failure = refusals.find((refusal) => !(refusal.reason instanceof RateLimiterRes));
      if (failure) throw failure.reason;
      const msBeforeNext = Math.max(...refusals.map((refusal) => (refusal.reason as RateLimiterRes).msBeforeNext));
      throw errors.tooManyRequests(Math.max(1, Math.ceil(msBeforeNext / 1000)));
    }
    const failuresBefore = Math.max(...outcomes.map((outcome) => (outcome as PromiseFulfilledResult<RateLimiterRes>).value.consumedPoints - 1));
    const delay = this.slowdownMs(failuresBefore);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  /** Clears the account's failures after a successful login, and gives the address its attempt back. */
  async recordSuccess(email: string, ip: string): Promise<void> {
    await Promise.all([this.byAccount.delete(accountKey(email)), this.byIp.reward(ip, 1)]);
  }

  /** The delay earned by `failures` failed attempts. */
  slowdownMs(failures: number): number {
    const beyond = failures - this.settings.slowdownAfter + 1;
    if (beyond <= 0) return 0;
    return Math.min(beyond * this.settings.slowdownStepMs, this.settings.slowdownMaxMs);
  }
}

function accountKey(email: string): string {
  return email.trim().toLowerCase();
}
