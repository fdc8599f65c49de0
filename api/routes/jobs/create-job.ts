/** Creating a job: checked before any row, idempotent by key, audited in the same transaction. */
import type { TechniqueCode } from '../../../core/domain/techniques';
import { errors } from '../../../core/errors';
import { idempotencyKey } from '../../../core/hashing';
import type { Job } from '../../../db/models/Job';
import type { RouteDeps } from '../../deps';
import { checkTechniqueParams, checkTechniqueTarget } from './technique-params';

/** What an investigator asks to run. */
export interface JobRequest {
  readonly workspaceId: string;
  readonly targetId: string;
  readonly technique: TechniqueCode;
  readonly params: Record<string, unknown>;
  readonly actorId: string;
  readonly ip: string;
}

/**
 * Creates the job in CREATED (with its first history row and a `job.created` audit row), or
 * returns the job an identical earlier request created (`created: false`). Bad params (422),
 * a target outside the workspace (404) and a technique that does not apply to the target's
 * type (422) are refused before anything is written.
 */
export async function createJob(deps: Pick<RouteDeps, 'knex' | 'repos'>, request: JobRequest): Promise<{ job: Job; created: boolean }> {
  const { repos } = deps;
  const { workspaceId, targetId, technique, params } = request;
  const problems = checkTechniqueParams(technique, params);
  if (problems.length > 0) throw errors.validation(problems);
  const target = await repos.targets.find(workspaceId, targetId);
  if (!target) throw errors.notFound('Target');
  const mismatch = checkTechniqueTarget(technique, target.type);
  if (mismatch.length > 0) throw errors.validation(mismatch);
  const key = idempotencyKey({ workspaceId, targetId, technique, params });
  return deps.knex.transaction(async (trx) => {
    const result = await repos.jobs.insertIfAbsent(workspaceId, { target_id: targetId, technique, params, idempotency_key: key, created_by: request.actorId }, trx);
    if (result.created) {
      await repos.auditLogs.record(
        workspaceId,
        { action: 'job.created', entity_type: 'job', entity_id: result.job.id, actor_id: request.actorId, ip: request.ip, details: { target_id: targetId, technique } },
        trx,
      );
    }
    return result;
  });
}
