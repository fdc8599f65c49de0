/**
 * Metadata of raw evidence; the bytes themselves live in object storage under `object_key`.
 * Every method takes the workspace id first.
 */
import type { Knex } from 'knex';
import { errors } from '../../core/errors';
import { Evidence } from '../models/Evidence';
import { paginate, type Page, type PageRequest } from '../pagination';

/** What the pipeline records after storing an object. */
export interface EvidenceInput {
  readonly job_id: string;
  readonly run_number: number;
  readonly attempt: number;
  readonly object_key: string;
  readonly content_type: string;
  readonly size_bytes: number;
  readonly sha256: string;
}

const ORDER = { column: 'created_at', timestamp: true } as const;

/** Reads and writes evidence metadata. */
export class EvidenceRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Records stored evidence of a job in the workspace. The same bytes stored again by the same
   * run (a retried attempt) keep the first row, which is returned. A job of another workspace
   * records nothing (404).
   */
  async record(workspaceId: string, input: EvidenceInput, trx?: Knex.Transaction): Promise<Evidence> {
    const db = trx ?? this.db;
    // One statement: the row is inserted only if the job is in the workspace.
    const { rows } = await db.raw<{ rows: Evidence[] }>(
      `INSERT INTO evidence (workspace_id, job_id, run_number, attempt, object_key, content_type, size_bytes, sha256)
       SELECT jobs.workspace_id, jobs.id, CAST(? AS integer), CAST(? AS integer), CAST(? AS text), CAST(? AS text), CAST(? AS bigint), CAST(? AS text)
       FROM jobs WHERE jobs.workspace_id = ? AND jobs.id = ?
       ON CONFLICT (job_id, run_number, sha256) DO NOTHING RETURNING *`,
      [input.run_number, input.attempt, input.object_key, input.content_type, input.size_bytes, input.sha256, workspaceId, input.job_id],
    );
    const row = rows[0];
    if (row) return row;
    const existing = await Evidence.query(db)
      .where({ workspace_id: workspaceId, job_id: input.job_id, run_number: input.run_number, sha256: input.sha256 })
      .first();
    if (!existing) throw errors.notFound('Job');
    return existing;
  }

  /** The workspace's evidence, newest first. */
  list(workspaceId: string, page: PageRequest): Promise<Page<Evidence>> {
    const query = Evidence.query(this.db).where('workspace_id', workspaceId).select('*').toKnexQuery();
    return paginate<Evidence>(query, page, ORDER);
  }

  /** One piece of evidence, if it belongs to the workspace. */
  async get(workspaceId: string, evidenceId: string, trx?: Knex.Transaction): Promise<Evidence | undefined> {
    return await Evidence.query(trx ?? this.db).where({ workspace_id: workspaceId, id: evidenceId }).first();
  }

  /** The evidence job `jobId` stored, newest first; undefined when the job is not in the workspace. */
  async listForJob(workspaceId: string, jobId: string, page: PageRequest): Promise<Page<Evidence> | undefined> {
    const job = await this.db('jobs').where({ workspace_id: workspaceId, id: jobId }).first('id');
    if (!job) return undefined;
    const query = Evidence.query(this.db).where({ workspace_id: workspaceId, job_id: jobId }).select('*').toKnexQuery();
    return paginate<Evidence>(query, page, ORDER);
  }
}
