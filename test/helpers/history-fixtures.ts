/**
 * Recorded Temporal histories of the job workflow, as the replay test reads them and
 * scripts/record-histories.ts writes them: one JSON file per scenario in test/fixtures/histories/,
 * in the proto JSON form Temporal's own tools use (`temporal workflow show --output json`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

/** Where the histories live. */
export const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

/** Every scenario the recorder runs, each one history (the requeue's second run is its own). */
export const HISTORY_SCENARIOS = [
  'succeeded',
  'retried-then-succeeded',
  'failed-non-retryable',
  'dead-lettered',
  'requeued-run-2-succeeded',
  'cancelled-while-running',
] as const;

/** A scenario's name. */
export type HistoryScenario = (typeof HISTORY_SCENARIOS)[number];

/** A recorded history, ready to replay. */
export interface HistoryFixture {
  readonly name: string;
  readonly history: temporal.api.history.v1.IHistory;
}

/** The path of a scenario's history. */
export function historyPath(name: string): string {
  return path.join(HISTORIES_DIR, `${name}.json`);
}

/** The names of the histories on disk, sorted. */
export function recordedHistoryNames(): string[] {
  if (!fs.existsSync(HISTORIES_DIR)) return [];
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Reads and parses one recorded history. */
export function readHistoryFixture(name: string): HistoryFixture {
  return { name, history: historyFromJSON(JSON.parse(fs.readFileSync(historyPath(name), 'utf8'))) };
}
