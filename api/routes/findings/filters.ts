/** Turns the listing's validated query into repository filters. */
import type { Static } from '@sinclair/typebox';
import { errors, type FieldProblem } from '../../../core/errors';
import type { FindingFilter } from '../../../db/repositories/findings';
import type { ListFindingsQuery } from './schema';

const INSTANTS = ['first_seen_from', 'first_seen_to', 'last_seen_from', 'last_seen_to'] as const;

/**
 * The filters of `query`. RFC 3339 admits instants JavaScript cannot represent (a leap second,
 * 23:59:60); those are refused with 422 naming the field rather than reaching the database.
 */
export function findingFilter(query: Static<typeof ListFindingsQuery>): FindingFilter {
  const problems: FieldProblem[] = [];
  const instants: Partial<Record<(typeof INSTANTS)[number], Date>> = {};
  for (const name of INSTANTS) {
    const value = query[name];
    if (value === undefined) continue;
    const instant = new Date(value);
    if (Number.isNaN(instant.getTime())) problems.push({ field: `query.${name}`, message: 'is not a representable instant' });
    else instants[name] = instant;
  }
  if (problems.length > 0) throw errors.validation(problems);
  return { finding_type: query.finding_type, technique: query.technique, target_id: query.target_id, job_id: query.job_id, ...instants };
}
