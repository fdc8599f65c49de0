/** Every repository, built from one knex instance. */
import type { Knex } from 'knex';
import { AuditLogsRepository } from './audit-logs';
import { EvidenceRepository } from './evidence';
import { FindingsRepository } from './findings';
import { JobsRepository } from './jobs';
import { TargetsRepository } from './targets';
import { UsersRepository } from './users';
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
  };
}
