/**
 * Workflow code that is deliberately not the job workflow, under its name: it starts a timer
 * where the real one loads the job. Replaying a recorded job history against it must fail,
 * which proves the replay test can fail.
 */
import { sleep } from '@temporalio/workflow';

/** Not the job workflow. */
export async function jobWorkflow(): Promise<void> {
  await sleep('1 hour');
}
