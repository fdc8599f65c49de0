/**
 * Stores raw evidence byte for byte under a key derived from the workspace and the content's
 * sha256, and records one row per content per run: a retried attempt adds nothing twice.
 */
import type { JobPlan } from '../core/domain/job-execution';
import { sha256Hex } from '../core/hashing';
import type { EvidenceStore } from '../core/storage/evidence-store';
import type { Repositories } from '../db/repositories';
import type { RawEvidence } from './techniques/types';

/** The object key of content in a workspace. */
export function evidenceKey(workspaceId: string, sha256: string): string {
  return `${workspaceId}/${sha256.slice(0, 2)}/${sha256}`;
}

/** Puts each piece of evidence in storage and records its metadata; returns the object keys. */
export async function storeEvidence(
  deps: { evidenceStore: EvidenceStore; repos: Repositories },
  plan: JobPlan,
  attempt: number,
  evidence: readonly RawEvidence[],
): Promise<string[]> {
  const keys: string[] = [];
  for (const item of evidence) {
    const sha256 = sha256Hex(item.body);
    const key = evidenceKey(plan.workspaceId, sha256);
    // Same content, same key: putting it again is harmless, and the row below is unique per run.
    await deps.evidenceStore.put(key, item.body, item.contentType);
    await deps.repos.evidence.record(plan.workspaceId, {
      job_id: plan.jobId,
      run_number: plan.runNumber,
      attempt,
      object_key: key,
      content_type: item.contentType,
      size_bytes: item.body.length,
      sha256,
    });
    keys.push(key);
  }
  return keys;
}
