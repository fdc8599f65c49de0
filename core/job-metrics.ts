/**
 * What the job pipeline reports about itself, as an interface: activities record through it,
 * the worker's composition root gives them the implementation (worker/metrics.ts), and tests
 * give them `noopJobMetrics`. Label values are bounded sets (statuses, technique codes, error
 * codes), never ids.
 */
import type { JobStatus } from './domain/job-states';

/** Statuses a job ends in (FAILED only when it is not followed by DEAD_LETTER). */
export type FinalJobStatus = 'SUCCEEDED' | 'FAILED' | 'DEAD_LETTER' | 'CANCELLED';
/** Whether a failed attempt is worth retrying. */
export type FailureClass = 'transient' | 'permanent';
/** Which politeness budget a wait was for. */
export type RateLimitKind = 'technique' | 'whois' | 'smtp';
/** How a webhook delivery attempt ended: delivered, will be retried, or given up. */
export type WebhookOutcome = 'delivered' | 'retrying' | 'failed';
/** What a schedule firing did: created a job, found it already created, or failed. */
export type ScheduleFiringOutcome = 'created' | 'duplicate' | 'failed';

/** The job pipeline's metrics; every method is cheap and never throws. */
export interface JobMetrics {
  /** A state change that was applied (`from` is null for a job's first state). */
  transition(from: JobStatus | null, to: JobStatus, technique: string): void;
  /** A job reached its final status, `durationSeconds` after it was queued. */
  jobFinished(technique: string, status: FinalJobStatus, durationSeconds: number): void;
  /** An attempt of a technique started. */
  attempt(technique: string): void;
  /** An attempt failed; `errorClass` is the technique's stable error code (e.g. `dns_timeout`). */
  attemptFailed(technique: string, errorClass: string, failureClass: FailureClass): void;
  /** Findings an attempt upserted: new fingerprints and ones seen again. */
  findings(technique: string, newCount: number, seenAgainCount: number): void;
  /** Evidence written to object storage by an attempt. */
  evidenceStored(technique: string, bytes: number, objects?: number): void;
  /** Time spent waiting for a politeness token (0 when none was needed). */
  rateLimitWait(kind: RateLimitKind, technique: string, seconds: number): void;
  /** One webhook delivery attempt. */
  webhookDelivery(outcome: WebhookOutcome): void;
  /** One firing of a recurring scan. */
  scheduleFired(technique: string, outcome: ScheduleFiringOutcome): void;
}

/** Records nothing: for tests and for code run outside the worker. */
export const noopJobMetrics: JobMetrics = Object.freeze({
  transition: () => undefined,
  jobFinished: () => undefined,
  attempt: () => undefined,
  attemptFailed: () => undefined,
  findings: () => undefined,
  evidenceStored: () => undefined,
  rateLimitWait: () => undefined,
  webhookDelivery: () => undefined,
  scheduleFired: () => undefined,
});
