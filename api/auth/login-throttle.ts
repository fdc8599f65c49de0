/**
 * Brute-force protection for login, shared by every API process through Redis: failed attempts
 * are counted per account and per address; past a threshold each attempt is slowed, and past
 * the maximum it is refused with 429 until the window ends. A success clears the account's count.
 */
import type Redis from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
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
   * Refuses with 429 when the account or the address has used up its failures; otherwise
   * waits the slowdown their failures so far have earned.
   */
  async beforeAttempt(email: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.byAccount.get(accountKey(email)), this.byIp.get(ip)]);
    const blocked = [
      [account, this.settings.maxFailuresPerAccount],
      [address, this.settings.maxFailuresPerIp],
    ].filter(([state, max]) => state && (state as RateLimiterRes).consumedPoints >= (max as number));
    if (blocked.length > 0) {
      const waitMs = Math.max(...blocked.map(([state]) => (state as RateLimiterRes).msBeforeNext));
      throw errors.tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)));
    }
    const failures = Math.max(account?.consumedPoints ?? 0, address?.consumedPoints ?? 0);
    const delay = this.slowdownMs(failures);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  /** Counts a failed attempt against the account and the address. */
  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([
      this.byAccount.penalty(accountKey(email), 1),
      this.byIp.penalty(ip, 1),
    ]);
  }

  /** Clears the account's failures after a successful login. */
  async recordSuccess(email: string): Promise<void> {
    await this.byAccount.delete(accountKey(email));
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
