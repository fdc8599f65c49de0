/** Schemas of the evidence endpoints. */
import { Type } from '@sinclair/typebox';
import { PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';

export const EvidenceParams = Type.Object({ workspace_id: Uuid('the workspace'), evidence_id: Uuid('the evidence') });
export const JobEvidenceParams = Type.Object({ workspace_id: Uuid('the workspace'), job_id: Uuid('the job') });

export const ListEvidenceQuery = Type.Object(PageQuery, { additionalProperties: false });

export const EvidenceView = Type.Object({
  id: Uuid(),
  job_id: Uuid(),
  run_number: Type.Integer({ description: 'the run of the job (a requeue starts a new run)' }),
  attempt: Type.Integer({ description: 'the attempt within the run' }),
  content_type: Type.String(),
  size_bytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ description: 'lowercase hex SHA-256 of the content' }),
  content_path: Type.String({ description: 'where an ADMIN downloads the content' }),
  created_at: Timestamp(),
});
export const EvidencePage = PageOf(EvidenceView);
