/**
 * Job states and the one table of allowed transitions. Every write of a job's status goes
 * through `assertTransition`; pure, so workflows can import it too.
 */

export const JOB_STATUSES = [
  'CREATED',
  'QUEUED',
  'RUNNING',
  'RETRYING',
  'SUCCEEDED',
  'FAILED',
  'DEAD_LETTER',
  'CANCELLED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** From each state, the states a job may move to. */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  CREATED: ['QUEUED', 'CANCELLED'],
  QUEUED: ['RUNNING', 'CANCELLED', 'FAILED'],
  RUNNING: ['SUCCEEDED', 'RETRYING', 'FAILED', 'CANCELLED'],
  RETRYING: ['RUNNING', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: ['DEAD_LETTER', 'QUEUED'],
  DEAD_LETTER: ['QUEUED'],
  CANCELLED: [],
};

/** States in which a job does no more work until someone requeues it. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'DEAD_LETTER', 'CANCELLED'];

/** True when the table allows `from` → `to`. */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/** True for a state a job stays in until requeued (or forever). */
export function isFinished(status: JobStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}
