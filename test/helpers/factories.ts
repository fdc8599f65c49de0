/**
 * Direct inserts of targets, jobs, findings and evidence for tests: what the job pipeline would
 * have written, without running a job.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { sha256Hex } from '../../core/hashing';
import type { Evidence } from '../../db/models/Evidence';
import { EvidenceRepository } from '../../db/repositories/evidence';
import { FindingsRepository, type FindingInput, type UpsertCounts } from '../../db/repositories/findings';
import type { TestClients } from './clients';

/** A target row. */
export interface TargetFixture {
  readonly id: string;
  readonly type: 'email' | 'domain';
  readonly value: string;
}

/** Inserts a target; the value defaults to a unique domain. */
export async function insertTarget(
  knex: Knex,
  workspaceId: string,
  input: { type?: 'email' | 'domain'; value?: string } = {},
): Promise<TargetFixture> {
  const type = input.type ?? 'domain';
  const value = input.value ?? `target-${randomUUID().slice(0, 8)}.example`;
  const [row] = await knex('targets').insert({ workspace_id: workspaceId, type, value, original_value: value }).returning(['id']);
  return { id: (row as { id: string }).id, type, value };
}

/** Inserts a job of `targetId` in a given state (SUCCEEDED by default); params default to the column's `{}`. */
export async function insertJob(
  knex: Knex,
  workspaceId: string,
  targetId: string,
  input: { technique?: string; status?: string; params?: Record<string, unknown> } = {},
): Promise<{ id: string }> {
  const [row] = await knex('jobs')
    .insert({
      workspace_id: workspaceId,
      target_id: targetId,
      technique: input.technique ?? 'dns_lookup',
      status: input.status ?? 'SUCCEEDED',
      ...(input.params ? { params: input.params } : {}),
      idempotency_key: sha256Hex(randomUUID()),
    })
    .returning(['id']);
  return { id: (row as { id: string }).id };
}

/** A finding as the pipeline reports it; the subject, type and stable data make the fingerprint. */
export function findingInput(overrides: Partial<FindingInput> & { subject: string }): FindingInput {
  return {
    finding_type: 'dns_record',
    data: {},
    stable_data: {},
    technique: 'dns_lookup',
    target_id: null,
    ...overrides,
  };
}

/** Upserts `items` as seen by job `jobId`, in a transaction, through the findings repository. */
export async function insertFindings(knex: Knex, workspaceId: string, jobId: string, items: readonly FindingInput[]): Promise<UpsertCounts> {
  return knex.transaction((trx) => new FindingsRepository(knex).upsertMany(workspaceId, jobId, items, trx));
}

/** Sets a finding's timestamps, to place it in time. */
export async function setFindingTimes(knex: Knex, findingId: string, times: { first_seen_at?: Date; last_seen_at?: Date }): Promise<void> {
  await knex('findings').where({ id: findingId }).update(times);
}

/** The id of the finding with `subject` in the workspace. */
export async function findingIdBySubject(knex: Knex, workspaceId: string, subject: string): Promise<string> {
  const row = (await knex('findings').where({ workspace_id: workspaceId, subject }).first('id')) as { id: string } | undefined;
  if (!row) throw new Error(`no finding with subject ${subject}`);
  return row.id;
}

/** Stores `body` in the test bucket and records it as evidence of the job. */
export async function insertEvidence(
  clients: TestClients,
  workspaceId: string,
  jobId: string,
  input: { body: Buffer; contentType?: string; runNumber?: number; attempt?: number },
): Promise<Evidence> {
  const sha256 = sha256Hex(input.body);
  const runNumber = input.runNumber ?? 1;
  const contentType = input.contentType ?? 'application/json';
  const objectKey = `${workspaceId}/${jobId}/${runNumber}/${sha256}`;
  await clients.evidenceStore.put(objectKey, input.body, contentType);
  return new EvidenceRepository(clients.knex).record(workspaceId, {
    job_id: jobId,
    run_number: runNumber,
    attempt: input.attempt ?? 1,
    object_key: objectKey,
    content_type: contentType,
    size_bytes: input.body.length,
    sha256,
  });
}
