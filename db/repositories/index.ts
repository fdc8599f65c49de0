/** Every repository, built from one knex instance. */
import type { Knex } from 'knex';
import { AuditLogsRepository } from './audit-logs';
import { EvidenceRepository } from './evidence';
import { FindingDiffRepository } from './finding-diff';
import { FindingsRepository } from './findings';
import { JobsRepository } from './jobs';
import { SchedulesRepository } from './schedules';
import { TargetsRepository } from './targets';
import { UsersRepository } from './users';
import { WebhooksRepository } from './webhooks';
import { WorkspacesRepository } from './workspaces';

/** The repositories the API and activities use. */
export interface Repositories {
  readonly users: UsersRepository;
  readonly workspaces: WorkspacesRepository;
  readonly auditLogs: AuditLogsRepository;
  readonly targets: TargetsRepository;
  readonly jobs: JobsRepository;
  readonly findings: FindingsRepository;
  readonly evidence: EvidenceRepository;
  readonly schedules: SchedulesRepository;
  readonly findingDiffs: FindingDiffRepository;
  readonly webhooks: WebhooksRepository;
}

/** Builds the repositories on `knex`. */
export function createRepositories(knex: Knex): Repositories {
  return {
    users: new UsersRepository(knex),
    workspaces: new WorkspacesRepository(knex),
    auditLogs: new AuditLogsRepository(knex),
    targets: new TargetsRepository(knex),
    jobs: new JobsRepository(knex),
    findings: new FindingsRepository(knex),
    evidence: new EvidenceRepository(knex),
    findingDiffs: new FindingDiffRepository(knex),
    webhooks: new WebhooksRepository(knex),
    schedules: new SchedulesRepository(knex),
  };
}
