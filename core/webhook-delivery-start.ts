/**
 * Starts the workflow of a recorded webhook delivery. Shared by the worker, which records the
 * deliveries a finished job calls for, and the API, which records a ping. A delivery whose
 * workflow already started (a retried notification) is left alone.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WEBHOOK_DELIVERY_WORKFLOW_TYPE, webhookDeliveryWorkflowId, type DeliveryEvent, type WebhookDeliveryInput, type WebhookRetryPolicy } from './domain/webhooks';

/** The delivery as its workflow's memo shows it in the Temporal Web UI. */
export interface StartedDelivery {
  readonly id: string;
  readonly workspace_id: string;
  readonly webhook_id: string;
  readonly event: DeliveryEvent;
  readonly job_id: string | null;
}

export async function startDeliveryWorkflow(client: Client, delivery: StartedDelivery, options: { taskQueue: string; policy: WebhookRetryPolicy }): Promise<void> {
  try {
    await client.workflow.start(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
      workflowId: webhookDeliveryWorkflowId(delivery.id),
      taskQueue: options.taskQueue,
      args: [{ deliveryId: delivery.id, policy: options.policy } satisfies WebhookDeliveryInput],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { workspace_id: delivery.workspace_id, webhook_id: delivery.webhook_id, event: delivery.event, job_id: delivery.job_id },
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
