/** Builds the activities the worker registers, from the dependencies the composition root gives. */
import type { Knex } from 'knex';
import type { Logger } from '../core/logger';
import type { EvidenceStore } from '../core/storage/evidence-store';

/** What activities need; built once per worker process. */
export interface ActivityDeps {
  readonly knex: Knex;
  readonly evidenceStore: EvidenceStore;
  readonly logger: Logger;
}

/** Creates the activity implementations, keyed by the names workflows call them by. */
export function createActivities(deps: ActivityDeps) {
  void deps;
  return {};
}

/** The activity interface workflows proxy, type-only. */
export type Activities = ReturnType<typeof createActivities>;
