import assert from 'node:assert/strict';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORY_SCENARIOS, readHistoryFixture, recordedHistoryNames } from '../../helpers/history-fixtures';
import { installTestRuntime, workflowBundle } from '../../helpers/temporal-worker';

/**
 * Histories of the job workflow recorded from real runs (`npm run record:histories`), replayed
 * against the workflow code as it is now: a change that would break workflows already running
 * fails here. Replay needs no server.
 */
describe('replaying recorded job workflow histories', function () {
  this.timeout(60000);
  const names = recordedHistoryNames();

  before(async () => {
    installTestRuntime();
    await workflowBundle();
  });

  it('has a recorded history for every scenario the recorder runs', () => {
    assert.deepEqual(names, [...HISTORY_SCENARIOS].sort());
  });

  it('replays every recorded history against the current workflow code without non-determinism', async () => {
    const histories = names.map((name) => ({ workflowId: name, history: readHistoryFixture(name).history }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    assert.equal(replayed, names.length);
    assert.deepEqual(failures, [], `histories that no longer replay (re-record with npm run record:histories only if the change is meant to break running workflows):\n${failures.join('\n')}`);
  });

  it('reports a DeterminismViolationError when the workflow code no longer matches a history', async () => {
    const divergent = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../helpers/divergent-workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const histories = HISTORY_SCENARIOS.map((name) => ({ workflowId: name, history: readHistoryFixture(name).history }));
    const errors: unknown[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: divergent }, histories)) errors.push(result.error);
    assert.equal(errors.length, HISTORY_SCENARIOS.length);
    for (const error of errors) assert.ok(error instanceof DeterminismViolationError, `expected a determinism violation, got ${String(error)}`);
  });
});
