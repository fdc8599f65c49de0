/** Shapes webhooks and deliveries for responses; a webhook's secret is never among them. */
import type { Static } from '@sinclair/typebox';
import type { DeliveryRow, PublicWebhook } from '../../../db/repositories/webhooks';
import type { DeliveryView, WebhookView } from './schema';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function presentWebhook(webhook: PublicWebhook): Static<typeof WebhookView> {
  return {
    id: webhook.id,
    workspace_id: webhook.workspace_id,
    url: webhook.url,
    events: webhook.events,
    description: webhook.description,
    created_by: webhook.created_by,
    created_at: webhook.created_at.toISOString(),
  };
}

export function presentDelivery(delivery: DeliveryRow): Static<typeof DeliveryView> {
  return {
    id: delivery.id,
    webhook_id: delivery.webhook_id,
    event: delivery.event,
    job_id: delivery.job_id,
    status: delivery.status,
    attempts: delivery.attempts,
    response_status: delivery.response_status,
    last_error: delivery.last_error,
    attempt_log: delivery.attempt_log,
    payload: delivery.payload,
    created_at: delivery.created_at.toISOString(),
    last_attempt_at: iso(delivery.last_attempt_at),
    finished_at: iso(delivery.finished_at),
  };
}
