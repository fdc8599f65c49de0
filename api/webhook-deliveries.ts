/**
 * Starts the workflow of a webhook delivery the API has recorded (a ping, or the job.finished
 * deliveries of a job cancelled before it ran). A delivery Temporal refuses is marked FAILED at
 * once, rather than left PENDING forever with no workflow to send it.
 */
import { taskQueueName } from '../core/domain/temporal';
import { startDeliveryWorkflow } from '../core/webhook-delivery-start';
import type { Repositories } from '../db/repositories';
import type { DeliveryRow } from '../db/repositories/webhooks';
import type { ApiDeps } from './deps';

/** Whether the delivery's workflow started; when not, Temporal's refusal. */
export type DeliveryStart = { readonly started: true } | { readonly started: false; readonly refusal: unknown };

/** Starts `delivery`'s workflow, or marks the delivery FAILED when Temporal refuses it (a failure to mark it rejects). */
export async function startRecordedDelivery(
  deps: Pick<ApiDeps, 'temporal' | 'config'> & { repos: Pick<Repositories, 'webhooks'> },
  workspaceId: string,
  delivery: DeliveryRow,
): Promise<DeliveryStart> {
  const options = { taskQueue: taskQueueName(deps.config.temporal.taskQueue, 'general'), policy: deps.config.webhooks };
  try {
    await startDeliveryWorkflow(deps.temporal, delivery, options);
    return { started: true };
  } catch (refusal) {
    await deps.repos.webhooks.markFailed(workspaceId, delivery.id, 'Temporal did not accept the delivery');
    return { started: false, refusal };
  }
}
