/** Temporal's side of schedules in tests: reading a schedule, and removing every one a test made. */
import { Client, ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import type { TestClients } from './clients';

/** A client on the tests' namespace. */
export function temporalClient(clients: TestClients): Client {
  return new Client({ connection: clients.temporal, namespace: clients.config.temporal.namespace });
}

/** Temporal's description of a schedule, or undefined when Temporal has no such schedule. */
export async function describeTemporalSchedule(clients: TestClients, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await temporalClient(clients).schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Deletes the Temporal Schedule of every schedule row (rows are truncated between tests, the
 * dev server's schedules are not), so nothing fires into the next test. With `terminateFirings`,
 * firings still running are terminated too (for tests without a worker to finish them).
 */
export async function deleteTestSchedules(clients: TestClients, options: { terminateFirings?: boolean } = {}): Promise<void> {
  const client = temporalClient(clients);
  const rows = (await clients.knex('schedules').select('temporal_schedule_id')) as { temporal_schedule_id: string }[];
  for (const { temporal_schedule_id: scheduleId } of rows) {
    const handle = client.schedule.getHandle(scheduleId);
    const description = await handle.describe().catch(() => undefined);
    await handle.delete().catch(() => undefined);
    if (!options.terminateFirings) continue;
    for (const running of description?.info.runningActions ?? []) {
      await client.workflow.getHandle(running.workflow.workflowId).terminate('test cleanup').catch(() => undefined);
    }
  }
}
