/** Shapes findings, search hits and stats for responses. */
import type { Static } from '@sinclair/typebox';
import type { FindingRow, FindingStats, JobFindingRow, SearchHit } from '../../../db/repositories/findings';
import type { FindingView, JobFindingView, SearchHitView, StatsView } from './schema';

export function presentFinding(finding: FindingRow): Static<typeof FindingView> {
  return {
    id: finding.id,
    target_id: finding.target_id,
    technique: finding.technique,
    finding_type: finding.finding_type,
    subject: finding.subject,
    data: finding.data,
    fingerprint: finding.fingerprint,
    first_seen_at: finding.first_seen_at.toISOString(),
    last_seen_at: finding.last_seen_at.toISOString(),
    seen_count: finding.seen_count,
  };
}

export function presentSearchHit(hit: SearchHit): Static<typeof SearchHitView> {
  return { ...presentFinding(hit), rank: Number(hit.rank) };
}

export function presentJobFinding(finding: JobFindingRow): Static<typeof JobFindingView> {
  return { ...presentFinding(finding), seen_at: finding.seen_at.toISOString() };
}

export function presentStats(stats: FindingStats, days: number): Static<typeof StatsView> {
  return {
    total: stats.total,
    days,
    by_type: stats.by_type,
    by_technique: stats.by_technique,
    by_target: stats.by_target,
    new_per_day: stats.new_per_day,
  };
}
