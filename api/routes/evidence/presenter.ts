/** Shapes evidence metadata for responses; never the object key or anything of the storage. */
import type { Static } from '@sinclair/typebox';
import type { Evidence } from '../../../db/models/Evidence';
import type { EvidenceView } from './schema';

export function presentEvidence(evidence: Evidence): Static<typeof EvidenceView> {
  return {
    id: evidence.id,
    job_id: evidence.job_id,
    run_number: evidence.run_number,
    attempt: evidence.attempt,
    content_type: evidence.content_type,
    // bigint arrives as text; evidence is far below 2^53 bytes.
    size_bytes: Number(evidence.size_bytes),
    sha256: evidence.sha256,
    content_path: `/workspaces/${evidence.workspace_id}/evidence/${evidence.id}/content`,
    created_at: evidence.created_at.toISOString(),
  };
}
