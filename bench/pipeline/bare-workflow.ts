/** The baseline of bench/pipeline: a bare workflow running one no-op activity. */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

/** Runs the no-op activity once. */
export async function bareWorkflow(): Promise<void> {
  await noop();
}
