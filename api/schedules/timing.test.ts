import assert from 'node:assert/strict';
import type { ScheduleTiming } from '../../core/domain/scheduled-jobs';
import { changesTiming, cronFrequencyProblem, resolveTiming, specProblem, toTemporalPolicies, toTemporalSpec } from './timing';

const HOURLY: ScheduleTiming = { cron: null, interval_seconds: 3600, timezone: 'UTC', jitter_seconds: 0, overlap_policy: 'SKIP', catchup_window_seconds: 300 };
const fields = (problems: { field: string }[]) => problems.map((problem) => problem.field).sort();

describe('schedule timing', () => {
  it('fills the defaults of a new schedule', () => {
    const { timing, problems } = resolveTiming({ cron: '0 3 * * *' }, undefined, 60);
    assert.deepEqual(problems, []);
    assert.deepEqual(timing, { cron: '0 3 * * *', interval_seconds: null, timezone: 'UTC', jitter_seconds: 0, overlap_policy: 'SKIP', catchup_window_seconds: 300 });
  });

  it('wants exactly one of cron and interval for a new schedule, and at most one in a change', () => {
    assert.deepEqual(fields(resolveTiming({}, undefined, 60).problems), ['body.cron']);
    assert.deepEqual(fields(resolveTiming({ cron: '@daily', interval_seconds: 60 }, undefined, 60).problems), ['body.cron', 'body.interval_seconds']);
    assert.deepEqual(resolveTiming({ timezone: 'Asia/Tokyo' }, HOURLY, 60).problems, []);
  });

  it('replaces an interval by a cron (and back), keeping the other fields of a change', () => {
    const { timing } = resolveTiming({ cron: '0 4 * * *', jitter_seconds: 5 }, HOURLY, 60);
    assert.deepEqual(timing, { ...HOURLY, cron: '0 4 * * *', interval_seconds: null, jitter_seconds: 5 });
    assert.deepEqual(resolveTiming({ interval_seconds: 120 }, timing, 60).timing, { ...timing, cron: null, interval_seconds: 120 });
  });

  it('refuses an interval below the minimum, cron forms that have fields of their own, and unknown time zones', () => {
    assert.match(resolveTiming({ interval_seconds: 30 }, undefined, 60).problems[0]!.message, /at least 60 seconds/);
    assert.deepEqual(fields(resolveTiming({ cron: '@every 1h' }, undefined, 60).problems), ['body.cron']);
    assert.deepEqual(fields(resolveTiming({ cron: 'TZ=UTC 0 3 * * *' }, undefined, 60).problems), ['body.cron']);
    assert.deepEqual(fields(resolveTiming({ cron: '0 3 * * *', timezone: 'Atlantis/Capital' }, undefined, 60).problems), ['body.timezone']);
    assert.match(resolveTiming({ cron: '0 3 * * *', timezone: 'europe/paris' }, undefined, 60).problems[0]!.message, /did you mean "Europe\/Paris"/);
    assert.deepEqual(resolveTiming({ cron: '0 3 * * *', timezone: 'America/Argentina/Buenos_Aires' }, undefined, 60).problems, []);
  });

  it('tells a change of timing from a pause or a note', () => {
    assert.equal(changesTiming({ overlap_policy: 'ALLOW_ALL' }), true);
    assert.equal(changesTiming({}), false);
  });

  it("translates into Temporal's spec and policies, in milliseconds", () => {
    assert.deepEqual(toTemporalSpec({ ...HOURLY, jitter_seconds: 7 }), { intervals: [{ every: 3600000 }], timezone: 'UTC', jitter: 7000 });
    assert.deepEqual(toTemporalSpec({ ...HOURLY, cron: '0 3 * * *', interval_seconds: null }), { cronExpressions: ['0 3 * * *'], timezone: 'UTC', jitter: 0 });
    assert.deepEqual(toTemporalPolicies(HOURLY), { overlap: 'SKIP', catchupWindow: 300000, pauseOnFailure: false });
  });

  it("names the field a refusal of Temporal's is about", () => {
    const cron = { ...HOURLY, cron: '61 * * * *', interval_seconds: null };
    assert.equal(specProblem('unknown time zone Mars/Olympus', cron).field, 'body.timezone');
    assert.equal(specProblem('Minute is not in range [0-59]', cron).field, 'body.cron');
    assert.equal(specProblem('interval is too small', HOURLY).field, 'body.interval_seconds');
  });

  it('measures the closest two firing times of a cron against the minimum', () => {
    const at = (...seconds: number[]) => seconds.map((second) => new Date(Date.UTC(2026, 0, 1) + second * 1000));
    assert.equal(cronFrequencyProblem(at(0, 3600, 7200), 60), undefined);
    assert.match(cronFrequencyProblem(at(0, 3600, 3630, 7200), 60)!.message, /fires 30 seconds apart/);
    assert.equal(cronFrequencyProblem(at(0), 60), undefined);
  });
});
