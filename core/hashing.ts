/**
 * The seed's formulas: canonical JSON, the job idempotency key and the finding fingerprint.
 *
 *   idempotency_key     = sha256(workspace_id + target_id + technique_code + canonical_json(params) + "v1")
 *   finding_fingerprint = sha256(workspace_id + finding_type + subject + stable_data)
 */
import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of a string or bytes. */
export function sha256Hex(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal values always give
 * the same text. `undefined` members are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const inner = (value as Record<string, unknown>)[key];
      if (inner !== undefined) sorted[key] = sortKeys(inner);
    }
    return sorted;
  }
  return value;
}

/** Version suffix of the idempotency formula. */
export const IDEMPOTENCY_VERSION = 'v1';

/**
 * The idempotency key of a job. A job fired by a schedule is keyed by the schedule and the
 * nominal fire time alone, so one firing can never create two jobs (not even when the schedule's
 * technique or params change between two attempts of the firing), while two firings never collide.
 */
export function idempotencyKey(input: {
  workspaceId: string;
  targetId: string;
  technique: string;
  params: unknown;
  schedule?: { id: string; nominalTime: string };
}): string {
  if (input.schedule) return sha256Hex(`${input.workspaceId}schedule:${input.schedule.id}${input.schedule.nominalTime}${IDEMPOTENCY_VERSION}`);
  return sha256Hex(`${input.workspaceId}${input.targetId}${input.technique}${canonicalJson(input.params)}${IDEMPOTENCY_VERSION}`);
}

/** The fingerprint of a finding; `stableData` is canonicalized first. */
export function findingFingerprint(input: {
  workspaceId: string;
  findingType: string;
  subject: string;
  stableData: unknown;
}): string {
  return sha256Hex(`${input.workspaceId}${input.findingType}${input.subject}${canonicalJson(input.stableData)}`);
}
