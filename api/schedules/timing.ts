/**
 * A schedule's timing as the API takes it (a cron expression or an interval, a time zone,
 * jitter and policies), checked field by field, and translated into Temporal's spec and policies.
 * Temporal has the last word on cron syntax and time zones; its refusals are mapped back to fields.
 */
import type { ScheduleOptions, ScheduleSpec } from '@temporalio/client';
import type { OverlapPolicy, ScheduleTiming } from '../../core/domain/scheduled-jobs';
import type { FieldProblem } from '../../core/errors';

/** Timing fields of a request: all optional in a change. */
export interface TimingInput {
  readonly cron?: string;
  readonly interval_seconds?: number;
  readonly timezone?: string;
  readonly jitter_seconds?: number;
  readonly overlap_policy?: OverlapPolicy;
  readonly catchup_window_seconds?: number;
}

/** Defaults of a new schedule's timing. */
export const TIMING_DEFAULTS = { timezone: 'UTC', jitter_seconds: 0, overlap_policy: 'SKIP', catchup_window_seconds: 300 } as const;

/** True when `input` names any timing field. */
export function changesTiming(input: TimingInput): boolean {
  return (['cron', 'interval_seconds', 'timezone', 'jitter_seconds', 'overlap_policy', 'catchup_window_seconds'] as const).some(
    (field) => input[field] !== undefined,
  );
}

/**
 * The timing `input` asks for, on top of `previous` (a change) or the defaults (a new schedule),
 * with the problems of its fields: exactly one of cron and interval, the interval at least the
 * configured minimum, a cron without the forms that have fields of their own, a known time zone.
 */
export function resolveTiming(
  input: TimingInput,
  previous: ScheduleTiming | undefined,
  minIntervalSeconds: number,
): { timing: ScheduleTiming; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (input.cron !== undefined && input.interval_seconds !== undefined) {
    for (const field of ['body.cron', 'body.interval_seconds']) problems.push({ field, message: 'give either cron or interval_seconds, not both' });
  } else if (!previous && input.cron === undefined && input.interval_seconds === undefined) {
    problems.push({ field: 'body.cron', message: 'give either cron or interval_seconds' });
  }
  const base = previous ?? { cron: null, interval_seconds: null, ...TIMING_DEFAULTS };
  const switched = input.cron !== undefined || input.interval_seconds !== undefined;
  const timing: ScheduleTiming = {
    cron: switched ? (input.cron ?? null) : base.cron,
    interval_seconds: switched ? (input.interval_seconds ?? null) : base.interval_seconds,
    timezone: input.timezone ?? base.timezone,
    jitter_seconds: input.jitter_seconds ?? base.jitter_seconds,
    overlap_policy: input.overlap_policy ?? base.overlap_policy,
    catchup_window_seconds: input.catchup_window_seconds ?? base.catchup_window_seconds,
  };
  if (input.interval_seconds !== undefined && input.interval_seconds < minIntervalSeconds) {
    problems.push({ field: 'body.interval_seconds', message: `must be at least ${minIntervalSeconds} seconds (SCHEDULE_MIN_INTERVAL_SECONDS)` });
  }
  if (input.cron !== undefined) {
    const cronProblem = checkCronForm(input.cron);
    if (cronProblem) problems.push({ field: 'body.cron', message: cronProblem });
  }
  if (input.timezone !== undefined) {
    const zoneProblem = checkTimeZone(input.timezone);
    if (zoneProblem) problems.push({ field: 'body.timezone', message: zoneProblem });
  }
  return { timing, problems };
}

function checkCronForm(cron: string): string | undefined {
  if (/^\s*(CRON_)?TZ=/i.test(cron)) return 'name the time zone in the timezone field, not in the expression';
  if (/^\s*@every\b/i.test(cron)) return 'use interval_seconds for an interval';
  return undefined;
}

/** The ICU time zone database of Node.js as a first check; Temporal's (Go's) is the final one. */
function checkTimeZone(zone: string): string | undefined {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone ${JSON.stringify(zone)}; use an IANA name such as "Europe/Paris" or "UTC"`;
  }
  // ICU ignores case, Temporal does not: "europe/paris" would pass here and fail there.
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) return `unknown time zone ${JSON.stringify(zone)}; did you mean ${JSON.stringify(resolved)}?`;
  return undefined;
}

/** Temporal's spec for `timing`. */
export function toTemporalSpec(timing: ScheduleTiming): ScheduleSpec {
  return {
    ...(timing.cron !== null ? { cronExpressions: [timing.cron] } : { intervals: [{ every: (timing.interval_seconds ?? 0) * 1000 }] }),
    timezone: timing.timezone,
    jitter: timing.jitter_seconds * 1000,
  };
}

/** Temporal's policies for `timing`. */
export function toTemporalPolicies(timing: ScheduleTiming): NonNullable<ScheduleOptions['policies']> {
  return { overlap: timing.overlap_policy, catchupWindow: timing.catchup_window_seconds * 1000, pauseOnFailure: false };
}

/** The field a refusal of Temporal's ("Invalid schedule spec: …") is about. */
export function specProblem(message: string, timing: ScheduleTiming): FieldProblem {
  const field = /time ?zone/i.test(message) ? 'body.timezone' : timing.cron !== null ? 'body.cron' : 'body.interval_seconds';
  return { field, message: `refused by Temporal: ${message}` };
}

/** A problem when two of Temporal's next firing times of a cron are closer than the minimum. */
export function cronFrequencyProblem(times: readonly Date[], minIntervalSeconds: number): FieldProblem | undefined {
  const sorted = times.map((time) => time.getTime()).sort((a, b) => a - b);
  let shortest = Infinity;
  for (let index = 1; index < sorted.length; index += 1) shortest = Math.min(shortest, sorted[index]! - sorted[index - 1]!);
  if (shortest >= minIntervalSeconds * 1000) return undefined;
  return {
    field: 'body.cron',
    message: `fires ${shortest / 1000} seconds apart; schedules may fire at most every ${minIntervalSeconds} seconds (SCHEDULE_MIN_INTERVAL_SECONDS)`,
  };
}
