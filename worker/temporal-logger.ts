/**
 * Routes the Temporal SDK's own log lines into the worker's structured logger. A line about a
 * workflow or an activity of a job carries `job_id` and `workflow_id` (the same value: the
 * workflow id is the job id), so it joins the job's other log lines, its events and its history.
 */
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../core/logger';
import { JOB_WORKFLOW_TYPE } from '../workflows/signals';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** A Temporal logger writing through `logger`, at `level` and above. */
export function temporalLogger(logger: Logger, level: LogLevel = 'INFO'): DefaultLogger {
  const sdk = logger.child({ component: 'temporal-sdk' });
  return new DefaultLogger(level, (entry) => sdk[LEVELS[entry.level]](withJobIds(entry.meta ?? {}), entry.message));
}

/** Adds the join keys when the SDK names a workflow (`job_id` only for a job's workflow). */
export function withJobIds(meta: Record<string, unknown>): Record<string, unknown> {
  const workflowId = meta.workflowId;
  if (typeof workflowId !== 'string') return meta;
  return meta.workflowType === JOB_WORKFLOW_TYPE ? { ...meta, job_id: workflowId, workflow_id: workflowId } : { ...meta, workflow_id: workflowId };
}
