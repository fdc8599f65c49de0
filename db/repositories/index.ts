/** Every repository, built from one knex instance. */
import type { Knex } from 'knex';
import { AuditLogsRepository } from './audit-logs';
import { UsersRepository } from './users';
import { WorkspacesRepository } from './workspaces';

/** The repositories the API and activities use. */
export interface Repositories {
  readonly users: UsersRepository;
  readonly workspaces: WorkspacesRepository;
  readonly auditLogs: AuditLogsRepository;
}

/** Builds the repositories on `knex`. */
export function createRepositories(knex: Knex): Repositories {
  return {
    users: new UsersRepository(knex),
    workspaces: new WorkspacesRepository(knex),
    auditLogs: new AuditLogsRepository(knex),
  };
}
