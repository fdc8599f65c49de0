/** What the API is built from (by the composition root) and what route factories receive. */
import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import type { Knex } from 'knex';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import type { ApiMetrics } from '../core/metrics';
import type { EvidenceStore } from '../core/storage/evidence-store';
import type { Repositories } from '../db/repositories';
import type { LoginThrottle } from './auth/login-throttle';
import type { MembershipCache } from './auth/membership-cache';
import type { JobRunner } from './jobs/job-runner';
import type { Readiness } from './readiness';
import type { ScheduleManager } from './schedules/schedule-manager';

/** Clients and settings, constructed in api/server.ts (or by tests, against the real services). */
export interface ApiDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly knex: Knex;
  readonly redis: Redis;
  readonly evidenceStore: EvidenceStore;
  readonly checkReadiness: () => Promise<Readiness>;
  readonly metrics: ApiMetrics;
  /** Temporal client on the configured namespace (jobs, schedules). */
  readonly temporal: Client;
  /** Recently read memberships, dropped by every process when one changes. */
  readonly memberships: MembershipCache;
}

/** What each resource's route factory receives. */
export interface RouteDeps extends ApiDeps {
  readonly repos: Repositories;
  readonly loginThrottle: LoginThrottle;
  readonly jobRunner: JobRunner;
  readonly scheduleManager: ScheduleManager;
}
