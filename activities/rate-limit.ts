/**
 * The politeness limiter every worker shares: a token bucket in Redis per technique
 * (TECHNIQUE_RATE_LIMITS) and per target domain for WHOIS and SMTP (WHOIS_PER_DOMAIN_RATE,
 * SMTP_PER_DOMAIN_RATE). Callers wait for their token instead of failing: waiting is not an error.
 *
 * Each call takes a token atomically (one Lua script, Redis's clock, so every worker sees the
 * same bucket) and lets the balance go negative: the debt is the caller's place in the queue,
 * and it sleeps until its token is due. No polling, first come first served across workers.
 * rate-limiter-flexible was not used: its Redis limiters count fixed windows and answer "retry
 * in N ms", and its waiting queue lives in one process's memory, so it cannot share a queue.
 */
import type Redis from 'ioredis';
import type { Config } from '../core/config';

/** A rate as the config spells it: `tokens` per `periodMs`. */
export interface Rate {
  readonly tokens: number;
  readonly periodMs: number;
}

/** "N/s" or "N/m" → a rate; "0/s" (no limit) → null; anything else → undefined. */
export function parseRate(text: string): Rate | null | undefined {
  const match = /^\s*(\d+)\s*\/\s*(s|m)\s*$/.exec(text);
  if (!match) return undefined;
  const tokens = Number(match[1]);
  return tokens === 0 ? null : { tokens, periodMs: match[2] === 's' ? 1000 : 60_000 };
}

/** Permission to go ahead; each method resolves with the milliseconds it waited. */
export interface Politeness {
  /** Waits for the technique's shared budget (resolves at once when it has no limit). */
  waitForTechniqueSlot(code: string, signal?: AbortSignal): Promise<number>;
  /** Waits for the per-domain budget of WHOIS or SMTP queries about `domain`. */
  waitForDomainSlot(kind: 'whois' | 'smtp', domain: string, signal?: AbortSignal): Promise<number>;
}

/** The settings the limiter reads (config.techniques). */
export type PolitenessSettings = Pick<Config['techniques'], 'rateLimits' | 'whoisPerDomainRate' | 'smtpPerDomainRate'>;

export interface PolitenessOptions {
  /** Redis key prefix; tests give each run its own. */
  readonly keyPrefix?: string;
}

// KEYS[1] bucket; ARGV[1] capacity in tokens; ARGV[2] microseconds per token.
// State: the balance `tokens` as of `at` (microseconds, Redis clock). Returns the microseconds
// the caller must wait for the token it just took.
const TAKE_TOKEN = `
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local capacity = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) / interval)
  at = now
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * interval / 1000) + 1000)
if tokens >= 0 then return 0 end
return math.ceil(-tokens * interval)
`;

const COMMAND = 'politenessTakeToken';

type WithTakeToken = Redis & { [COMMAND](key: string, capacity: number, intervalUs: number): Promise<number> };

/**
 * Builds the limiter on a shared Redis client. Throws at once when a configured rate is not
 * "N/s" or "N/m", so a typo fails the worker's start rather than its first job.
 */
export function createPoliteness(redis: Redis, settings: PolitenessSettings, options: PolitenessOptions = {}): Politeness {
  const prefix = options.keyPrefix ?? 'politeness:';
  const problems: string[] = [];
  const read = (name: string, text: string): Rate | null => {
    const rate = parseRate(text);
    if (rate === undefined) problems.push(`${name}: "${text}" is not N/s or N/m`);
    return rate ?? null;
  };
  const techniqueRates = new Map(Object.entries(settings.rateLimits).map(([code, text]) => [code, read(`TECHNIQUE_RATE_LIMITS ${code}`, text)]));
  const domainRates = {
    whois: read('WHOIS_PER_DOMAIN_RATE', settings.whoisPerDomainRate),
    smtp: read('SMTP_PER_DOMAIN_RATE', settings.smtpPerDomainRate),
  };
  if (problems.length > 0) throw new Error(`invalid rate limits: ${problems.join('; ')}`);

  if (typeof (redis as unknown as Partial<WithTakeToken>)[COMMAND] !== 'function') {
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_TOKEN });
  }
  const client = redis as unknown as WithTakeToken;

  const wait = async (key: string, rate: Rate | null | undefined, signal?: AbortSignal): Promise<number> => {
    if (!rate) return 0;
    signal?.throwIfAborted();
    // A capacity of one token spaces calls evenly: politeness means no bursts at a server.
    const waitUs = Number(await client[COMMAND](key, 1, (rate.periodMs * 1000) / rate.tokens));
    // An abort from here on leaves the token spent: giving it back could let two callers through
    // at once, and a limiter may err only on the slow side.
    const waitMs = Math.ceil(waitUs / 1000);
    if (waitMs > 0) await sleep(waitMs, signal);
    else signal?.throwIfAborted();
    return waitMs;
  };

  return {
    waitForTechniqueSlot: (code, signal) => wait(`${prefix}technique:${code}`, techniqueRates.get(code), signal),
    waitForDomainSlot: (kind, domain, signal) =>
      wait(`${prefix}domain:${kind}:${domain.toLowerCase()}`, domainRates[kind], signal),
  };
}

/** Sleeps `ms`, rejecting with the signal's reason as soon as it is aborted. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
