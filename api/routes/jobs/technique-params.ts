/**
 * Checks a job's params against its technique's schema and, for port scans, the port budget, and
 * its technique against the target's type. Shared by jobs and schedules.
 */
import type { TargetType } from '../../../core/domain/targets';
import {
  appliesTo,
  countScanPorts,
  MAX_SCAN_PORTS,
  TECHNIQUE_CODES,
  TECHNIQUE_PARAMS,
  TECHNIQUES,
  type TechniqueCode,
  type TechniqueParams,
} from '../../../core/domain/techniques';
import type { FieldProblem } from '../../../core/errors';
import { compileValidator, type Validator } from '../../validation';

// Compiled once; they name fields `body.<field>`, which checkTechniqueParams moves under body.params.
const VALIDATORS = Object.fromEntries(
  TECHNIQUE_CODES.map((code) => [code, compileValidator(TECHNIQUE_PARAMS[code], 'body')]),
) as Record<TechniqueCode, Validator>;

/** The problems with `params` for `technique`, each naming a `body.params.<field>`; none when valid. */
export function checkTechniqueParams(technique: TechniqueCode, params: Record<string, unknown>): FieldProblem[] {
  const problems = VALIDATORS[technique](params).map((problem) => ({
    field: `body.params${problem.field.slice('body'.length)}`,
    message: problem.message,
  }));
  if (problems.length > 0 || technique !== 'port_scan') return problems;
  const { ports } = params as TechniqueParams<'port_scan'>;
  if (!ports) return [];
  const counted = countScanPorts(ports);
  if ('problem' in counted) return [{ field: 'body.params.ports', message: counted.problem }];
  if (counted.count > MAX_SCAN_PORTS) {
    return [{ field: 'body.params.ports', message: `covers ${counted.count} ports; a scan may cover at most ${MAX_SCAN_PORTS}` }];
  }
  return [];
}

/** The `body.technique` problem when `technique` does not apply to targets of `targetType`; none when it does. */
export function checkTechniqueTarget(technique: TechniqueCode, targetType: TargetType): FieldProblem[] {
  if (appliesTo(technique, targetType)) return [];
  const accepted = TECHNIQUES[technique].appliesTo.join(' and ');
  return [{ field: 'body.technique', message: `${technique} does not apply to ${targetType} targets, only to ${accepted} targets` }];
}
