/** Builds the activities the worker registers, from the dependencies the composition root gives. */
import { createJobActivities, type JobActivityDeps } from './job-activities';
import { createScheduleActivities } from './schedule-activities';
import { createWebhookActivities, type WebhookActivityDeps } from './webhook-activities';

/** What activities need; built once per worker process. */
export type ActivityDeps = JobActivityDeps & WebhookActivityDeps;

/** Creates the activity implementations, keyed by the names workflows call them by. */
export function createActivities(deps: ActivityDeps) {
  const webhooks = createWebhookActivities(deps);
  return {
    ...createJobActivities({ ...deps, notifyJobFinished: webhooks.notifyJobFinished }),
    ...createScheduleActivities(deps),
    ...webhooks,
  };
}

/** The activity interface workflows proxy, type-only. */
export type Activities = ReturnType<typeof createActivities>;
