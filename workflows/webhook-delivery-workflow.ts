/**
 * The durable life of one webhook delivery; its workflow id comes from the delivery id, so a
 * delivery is never started twice. Each attempt is an activity under a retry policy from config
 * (attempts, backoff); an answer retrying cannot fix ends it at once. The workflow ends as the
 * delivery did: completed when DELIVERED (or when its webhook was deleted), failed when FAILED.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WEBHOOK_PERMANENT_ERROR, type WebhookAttemptResult, type WebhookDeliveryInput } from '../core/domain/webhooks';

const { failWebhookDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** Delivers the event, retrying with backoff; records FAILED when the attempts run out. */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookAttemptResult> {
  const { policy, deliveryId } = input;
  const { deliverWebhook } = proxyActivities<Activities>({
    // The POST has its own timeout; the margin covers resolving the host and recording the attempt.
    startToCloseTimeout: policy.timeoutMs + 30_000,
    retry: {
      maximumAttempts: policy.maxAttempts,
      initialInterval: policy.initialIntervalMs,
      backoffCoefficient: policy.backoffCoefficient,
      maximumInterval: policy.maximumIntervalMs,
      nonRetryableErrorTypes: [WEBHOOK_PERMANENT_ERROR],
    },
  });
  try {
    return await deliverWebhook({ deliveryId, timeoutMs: policy.timeoutMs });
  } catch (error) {
    const message = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : String(error);
    await failWebhookDelivery({ deliveryId, error: message });
    throw ApplicationFailure.nonRetryable(`webhook delivery failed: ${message}`, 'WebhookDeliveryFailed');
  }
}
