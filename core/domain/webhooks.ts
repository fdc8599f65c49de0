/**
 * Webhook names shared by the API, the activities and the delivery workflow: the events a
 * webhook may subscribe to, delivery states, and the delivery workflow's type and id.
 * Pure: safe to import in workflows.
 */

/** Events a webhook may want. */
export const WEBHOOK_EVENTS = ['job.finished', 'job.dead_lettered', 'findings.changed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What a delivery may carry: an event, or the ping an ADMIN sends to test a webhook (never subscribed to). */
export const DELIVERY_EVENTS = [...WEBHOOK_EVENTS, 'webhook.ping'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

/** PENDING until delivered (DELIVERED) or given up on (FAILED); retries stay PENDING. */
export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** The registered name of the delivery workflow. */
export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'webhookDeliveryWorkflow';

/** One delivery, one workflow: starting it twice for the same delivery is refused by Temporal. */
export function webhookDeliveryWorkflowId(deliveryId: string): string {
  return `webhook-delivery-${deliveryId}`;
}

/** How a delivery is retried (from the worker's config, fixed when the workflow starts). */
export interface WebhookRetryPolicy {
  readonly maxAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
  /** Per attempt: the receiver must answer within this time. */
  readonly timeoutMs: number;
}

/** The delivery workflow's input. */
export interface WebhookDeliveryInput {
  readonly deliveryId: string;
  readonly policy: WebhookRetryPolicy;
}

/** What one attempt did. */
export interface WebhookAttemptResult {
  readonly status: WebhookDeliveryStatus | 'GONE';
  readonly statusCode: number | null;
}

/** Input of notifyJobFinished: the job and the status it ended in. */
export interface JobFinishedNotice {
  readonly workspaceId: string;
  readonly jobId: string;
  readonly status: string;
  /** The run that finished; defaults to the job's current run. */
  readonly runNumber?: number;
}

/** Error type of a delivery that retrying cannot fix (guard refusal, 4xx, bad URL). */
export const WEBHOOK_PERMANENT_ERROR = 'WebhookPermanentError';
