/** Builds the activities the worker registers, from the dependencies the composition root gives. */
import { createJobActivities, type JobActivityDeps } from './job-activities';

/** What activities need; built once per worker process. */
export type ActivityDeps = JobActivityDeps;

/** Creates the activity implementations, keyed by the names workflows call them by. */
export function createActivities(deps: ActivityDeps) {
  return { ...createJobActivities(deps) };
}

/** The activity interface workflows proxy, type-only. */
export type Activities = ReturnType<typeof createActivities>;
