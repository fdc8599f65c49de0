/**
 * The fixed set of requests of bench/findings-query: for each, the API path, the repository
 * call the endpoint makes, and how the endpoint presents its answer. The benchmark runs the call
 * directly (SQL) and through the API; the bare HTTP server runs the same call and presenter.
 */
import { presentFinding, presentSearchHit, presentStats } from '../../api/routes/findings/presenter';
import type { FindingsRepository, FindingStats } from '../../db/repositories/findings';
import type { Page } from '../../db/pagination';

/** What the cases are built from; every value comes from the seeded database. */
export interface CaseInputs {
  readonly workspaceId: string;
  readonly targetId: string;
  /** The cursor of the second page of the unfiltered listing. */
  readonly cursor: string;
  readonly weekAgo: Date;
}

export interface QueryCase {
  readonly name: string;
  readonly kind: 'list' | 'search' | 'stats';
  /** Path and query under /workspaces/{workspace_id}. */
  readonly path: string;
  readonly sql: () => Promise<unknown>;
  readonly present: (result: unknown) => unknown;
}

const STATS_DAYS = 30;
const presentPage = (present: (item: never) => unknown) => (result: unknown) => {
  const page = result as Page<never>;
  return { items: page.items.map(present), next_cursor: page.next_cursor };
};

export function findingCases(repo: FindingsRepository, inputs: CaseInputs): QueryCase[] {
  const ws = inputs.workspaceId;
  const list = (name: string, query: string, filter: Parameters<FindingsRepository['list']>[1], cursor?: string): QueryCase => ({
    name,
    kind: 'list',
    path: `/findings?limit=50${query}`,
    sql: () => repo.list(ws, filter, { limit: 50, cursor }),
    present: presentPage(presentFinding),
  });
  const search = (name: string, q: string): QueryCase => ({
    name,
    kind: 'search',
    path: `/findings/search?q=${encodeURIComponent(q)}&limit=50`,
    sql: () => repo.search(ws, q, { limit: 50 }),
    present: presentPage(presentSearchHit),
  });
  return [
    list('list, first page', '', {}),
    list('list, next page (cursor)', `&cursor=${inputs.cursor}`, {}, inputs.cursor),
    list('list, by type', '&finding_type=open_port', { finding_type: 'open_port' }),
    list('list, by target', `&target_id=${inputs.targetId}`, { target_id: inputs.targetId }),
    list('list, first seen in last 7 days', `&first_seen_from=${inputs.weekAgo.toISOString()}`, { first_seen_from: inputs.weekAgo }),
    search('search, rare word', 'quokka'),
    search('search, common word', 'nginx'),
    search('search, two words', 'openssh kilo'),
    search('search, subject substring', 'srv-4242'),
    {
      name: 'stats, 30 days',
      kind: 'stats',
      path: `/findings/stats?days=${STATS_DAYS}`,
      sql: () => repo.stats(ws, STATS_DAYS),
      present: (result) => presentStats(result as FindingStats, STATS_DAYS),
    },
  ];
}
