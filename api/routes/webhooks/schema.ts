/** Schemas of the webhook endpoints. */
import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../../core/domain/string-enum';
import { DELIVERY_EVENTS, WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENTS } from '../../../core/domain/webhooks';
import { Nullable, PageOf, PageQuery, Timestamp, Uuid } from '../../schemas';


export const WebhookEventSchema = StringEnum(WEBHOOK_EVENTS, {
  description:
    'job.finished: a job ended (SUCCEEDED, FAILED, DEAD_LETTER or CANCELLED); job.dead_lettered: a job exhausted its retries; ' +
    'findings.changed: a SUCCEEDED job saw findings differ from the previous SUCCEEDED job of its target and technique ' +
    '(for the first such job, all of its findings are new); the body carries the counts, GET …/jobs/{id}/diff the details',
});
const DeliveryEventSchema = StringEnum(DELIVERY_EVENTS, { description: 'an event the webhook wants, or webhook.ping: a test an ADMIN sent' });
export const DeliveryStatusSchema = StringEnum(WEBHOOK_DELIVERY_STATUSES, {
  description: 'PENDING while attempts remain (retries included), then DELIVERED or FAILED',
});

export const WebhookParams = Type.Object({ workspace_id: Uuid('the workspace'), webhook_id: Uuid('the webhook') });

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'http(s) URL receiving a POST per event, without credentials. Like every address a technique contacts, it must ' +
    'not be private, loopback, link-local or reserved unless SCAN_ALLOWED_CIDRS allows it: an IP address is checked ' +
    'here, a host name at every delivery (and only the checked address is contacted).',
});
const WebhookEvents = Type.Array(WebhookEventSchema, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true });
const WebhookSecret = Type.String({
  minLength: 16,
  maxLength: 256,
  pattern: '^[\\x21-\\x7E]+$',
  description: 'HMAC-SHA256 signing key (printable ASCII, no spaces); generated when omitted. Never returned.',
});
const WebhookDescription = Type.String({ maxLength: 500 });

export const CreateWebhookBody = Type.Object(
  {
    url: WebhookUrl,
    events: WebhookEvents,
    secret: Type.Optional(WebhookSecret),
    description: Type.Optional(WebhookDescription),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(WebhookEvents),
    description: Type.Optional(Nullable(WebhookDescription)),
    secret: Type.Optional(WebhookSecret),
    rotate_secret: Type.Optional(Type.Literal(true, { description: 'generate a new signing secret, shown in this response only' })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'Only the fields given change. Deliveries still being retried use the new URL and secret from their next attempt.',
  },
);

export const WebhookView = Type.Object({
  id: Uuid(),
  workspace_id: Uuid(),
  url: Type.String(),
  events: Type.Array(WebhookEventSchema),
  description: Nullable(Type.String()),
  created_by: Nullable(Uuid()),
  created_at: Timestamp(),
});

export const CreatedWebhookView = Type.Composite([
  WebhookView,
  Type.Object({
    secret: Type.Optional(
      Type.String({ description: 'a generated signing secret: shown in this response only, and only when one was generated' }),
    ),
  }),
]);

export const ListWebhooksQuery = Type.Object(PageQuery, { additionalProperties: false });
export const WebhookPage = PageOf(WebhookView);

export const DeliveryAttemptView = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  at: Timestamp(),
  status_code: Nullable(Type.Integer(), "the receiver's HTTP status; null when no answer came"),
  error: Nullable(Type.String()),
  duration_ms: Type.Integer({ minimum: 0 }),
});

export const DeliveryView = Type.Object({
  id: Uuid('also in the body and in X-Osint-Delivery, so a receiver can drop duplicates'),
  webhook_id: Uuid(),
  event: DeliveryEventSchema,
  job_id: Nullable(Uuid()),
  status: DeliveryStatusSchema,
  attempts: Type.Integer({ minimum: 0 }),
  response_status: Nullable(Type.Integer(), 'of the latest attempt'),
  last_error: Nullable(Type.String()),
  attempt_log: Type.Array(DeliveryAttemptView),
  payload: Type.Object({}, { additionalProperties: true, description: 'the JSON body sent' }),
  created_at: Timestamp(),
  last_attempt_at: Nullable(Timestamp()),
  finished_at: Nullable(Timestamp()),
});

export const ListDeliveriesQuery = Type.Object({ ...PageQuery, status: Type.Optional(DeliveryStatusSchema) }, { additionalProperties: false });
export const DeliveryPage = PageOf(DeliveryView);
