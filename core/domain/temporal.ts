/**
 * Names shared by the API, the worker and the stack scripts about Temporal: task queues and
 * the custom search attributes set on every job workflow. Pure: safe to import in workflows.
 */

/** Task queue classes: port scans get their own queue so they can run with lower concurrency. */
export const TASK_QUEUE_CLASSES = ['general', 'port-scan'] as const;
export type TaskQueueClass = (typeof TASK_QUEUE_CLASSES)[number];

/** The task queue name of a class under the configured prefix (TEMPORAL_TASK_QUEUE). */
export function taskQueueName(prefix: string, queueClass: TaskQueueClass): string {
  return `${prefix}.${queueClass}`;
}

/** Custom search attributes, all of type Keyword, registered on the namespace. */
export const SEARCH_ATTRIBUTES = {
  workspaceId: 'OsintWorkspaceId',
  targetId: 'OsintTargetId',
  technique: 'OsintTechnique',
  jobStatus: 'OsintJobStatus',
} as const;

/** The search attribute names, for registration. */
export const SEARCH_ATTRIBUTE_NAMES: readonly string[] = Object.values(SEARCH_ATTRIBUTES);

/** The activity type of a technique attempt (the worker's runTechnique), whose heartbeats carry a job's progress. */
export const TECHNIQUE_ACTIVITY_TYPE = 'runTechnique';
