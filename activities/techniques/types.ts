/**
 * The contract every technique implements: a pure network adapter (no database, no object
 * storage) that takes its target, params and network settings, reports progress, honours
 * cancellation, and returns its raw evidence byte for byte and its normalized findings.
 */
import type { TargetType } from '../../core/domain/targets';
import type { TechniqueCode } from '../../core/domain/techniques';

/** The target a technique runs against (value already normalized). */
export interface TechniqueTarget {
  readonly type: TargetType;
  readonly value: string;
}

/** Raw output exactly as received, stored by the caller in object storage. */
export interface RawEvidence {
  /** Short name, e.g. "dns-answers.json" or "whois-whois.iana.org.txt". */
  readonly name: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A normalized result; `stable_data` is what identifies it (it enters the fingerprint). */
export interface TechniqueFinding {
  readonly finding_type: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
  readonly stable_data: unknown;
}

/** What a technique returns. */
export interface TechniqueResult {
  readonly evidence: readonly RawEvidence[];
  readonly findings: readonly TechniqueFinding[];
  /** A short machine-readable summary (counts, verdict), small enough for workflow history. */
  readonly summary: Record<string, unknown>;
}

/** Network settings, all from config: no technique ever uses the system resolver. */
export interface TechniqueNetwork {
  /** Resolvers as "ip" or "ip:port". */
  readonly dnsServers: readonly string[];
  readonly dnsTimeoutMs: number;
  readonly dnsTries: number;
  readonly whoisServer: string;
  /** WHOIS server name → "host:port" overrides (tests point referrals at loopback). */
  readonly whoisServerMap: Readonly<Record<string, string>>;
  readonly whoisTimeoutMs: number;
  readonly rdapEnabled: boolean;
  /** Replaces every RDAP server of the bootstrap when set (tests: a loopback fixture). */
  readonly rdapBaseUrl?: string;
  readonly smtpPort: number;
  readonly smtpHeloName: string;
  readonly smtpMailFrom: string;
  readonly smtpTimeoutMs: number;
  readonly portScanConcurrency: number;
  readonly portScanTimeoutMs: number;
  /** CIDRs the scanning guard lets through although private or reserved. */
  readonly scanAllowedCidrs: readonly string[];
}

/** What the caller (the activity) gives a technique while it runs. */
export interface TechniqueContext {
  readonly network: TechniqueNetwork;
  /** Aborted when the job is cancelled or the activity times out; stop promptly. */
  readonly signal: AbortSignal;
  /** Reports progress (also keeps the activity alive); call it regularly on long work. */
  heartbeat(progress?: Record<string, unknown>): void;
  /** Waits for the politeness limiter's permission to contact `domain` (WHOIS, SMTP). */
  waitForDomainSlot(kind: 'whois' | 'smtp', domain: string): Promise<void>;
}

/** A technique: pure network work. */
export type Technique<P = Record<string, unknown>> = (
  target: TechniqueTarget,
  params: P,
  context: TechniqueContext,
) => Promise<TechniqueResult>;

/** How a failure should be treated by the retry policy. */
export type FailureClass = 'permanent' | 'transient';

/**
 * A classified failure. Permanent ones (invalid target, refused by the guard) are never retried;
 * transient ones (timeout, SERVFAIL, reset, SMTP 4xx) are.
 */
export class TechniqueError extends Error {
  constructor(
    message: string,
    readonly failureClass: FailureClass,
    /** Stable code, e.g. "dns_timeout", "guard_refused". */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = failureClass === 'permanent' ? 'TechniquePermanentError' : 'TechniqueTransientError';
  }
}

/** A failure worth retrying. */
export const transientError = (code: string, message: string, cause?: unknown) =>
  new TechniqueError(message, 'transient', code, { cause });

/** A failure no retry can fix. */
export const permanentError = (code: string, message: string, cause?: unknown) =>
  new TechniqueError(message, 'permanent', code, { cause });

/** The techniques by code (filled in activities/techniques/index.ts). */
export type TechniqueRegistry = Readonly<Record<TechniqueCode, Technique>>;
