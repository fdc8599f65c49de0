/**
 * Webhooks of a workspace and their deliveries. Every method takes the workspace id first,
 * but the delivery lookup of the worker, which knows only the delivery id (its workflow input).
 */
import type { Knex } from 'knex';
import type { DeliveryEvent, WebhookDeliveryStatus, WebhookEvent } from '../../core/domain/webhooks';
import { paginate, type Page, type PageRequest } from '../pagination';

/** A webhook as stored; the signing secret is sealed (core/secret-box.ts). */
export interface WebhookRow {
  id: string;
  workspace_id: string;
  url: string;
  events: WebhookEvent[];
  secret_sealed: string;
  description: string | null;
  created_by: string | null;
  created_at: Date;
}

/** A webhook without its sealed secret, as the API reads and shows it. */
export type PublicWebhook = Omit<WebhookRow, 'secret_sealed'>;

/** A webhook to create; its id is chosen by the caller, as the sealed secret is bound to it. */
export type NewWebhook = Omit<WebhookRow, 'workspace_id' | 'created_at'>;

/** What an edit may change. */
export type WebhookChanges = Partial<Pick<WebhookRow, 'url' | 'events' | 'secret_sealed' | 'description'>>;

/** One attempt, as the delivery log keeps it. */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly at: string;
  readonly status_code: number | null;
  readonly error: string | null;
  readonly duration_ms: number;
}

/** A delivery of one event to one webhook, with its attempts. */
export interface DeliveryRow {
  id: string;
  workspace_id: string;
  webhook_id: string;
  event: DeliveryEvent;
  job_id: string | null;
  dedupe_key: string;
  payload: Record<string, unknown>;
  status: WebhookDeliveryStatus;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  attempt_log: DeliveryAttempt[];
  created_at: Date;
  last_attempt_at: Date | null;
  finished_at: Date | null;
}

/** A delivery to record. */
export interface NewDelivery {
  /** Chosen by the caller when the payload carries it. */
  readonly id?: string;
  readonly webhook_id: string;
  readonly event: DeliveryEvent;
  readonly job_id: string | null;
  readonly dedupe_key: string;
  readonly payload: Record<string, unknown>;
}

const PUBLIC_COLUMNS = ['id', 'workspace_id', 'url', 'events', 'description', 'created_by', 'created_at'];

/** Reads and writes webhooks and deliveries. */
export class WebhooksRepository {
  constructor(private readonly db: Knex) {}

  /** Creates the webhook inside `trx`; the sealed secret is never read back by the API. */
  async create(workspaceId: string, input: NewWebhook, trx: Knex.Transaction): Promise<PublicWebhook> {
    const [row] = await trx('webhooks')
      .insert({ ...input, workspace_id: workspaceId })
      .returning(PUBLIC_COLUMNS);
    return row as PublicWebhook;
  }

  /** The workspace's webhooks, newest first, without their secrets. */
  list(workspaceId: string, page: PageRequest): Promise<Page<PublicWebhook>> {
    return paginate(this.db('webhooks').where({ workspace_id: workspaceId }).select(PUBLIC_COLUMNS), page, { column: 'created_at', timestamp: true });
  }

  /** One webhook of the workspace, without its secret. */
  async find(workspaceId: string, webhookId: string, trx?: Knex.Transaction): Promise<PublicWebhook | undefined> {
    return (await (trx ?? this.db)('webhooks').where({ workspace_id: workspaceId, id: webhookId }).first(PUBLIC_COLUMNS)) as PublicWebhook | undefined;
  }

  /** Applies `changes` inside `trx`; undefined when the webhook is not in the workspace. */
  async update(workspaceId: string, webhookId: string, changes: WebhookChanges, trx: Knex.Transaction): Promise<PublicWebhook | undefined> {
    const [row] = await trx('webhooks').where({ workspace_id: workspaceId, id: webhookId }).update(changes).returning(PUBLIC_COLUMNS);
    return row as PublicWebhook | undefined;
  }

  /** Deletes the webhook and its deliveries; false when it is not in the workspace. */
  async remove(workspaceId: string, webhookId: string, trx: Knex.Transaction): Promise<boolean> {
    return (await trx('webhooks').where({ workspace_id: workspaceId, id: webhookId }).delete()) > 0;
  }

  /** The workspace's webhooks that want any of `events`. */
  async subscribedTo(workspaceId: string, events: readonly WebhookEvent[], trx?: Knex.Transaction): Promise<PublicWebhook[]> {
    if (events.length === 0) return [];
    return (await (trx ?? this.db)('webhooks')
      .where({ workspace_id: workspaceId })
      .whereRaw('events && CAST(? AS text[])', [[...events]])
      .orderBy('created_at')
      .select(PUBLIC_COLUMNS)) as PublicWebhook[];
  }

  /**
   * Records the deliveries that are not recorded yet (by webhook and dedupe key) and returns
   * every one of them still PENDING, new or recorded by an earlier call.
   */
  async recordDeliveries(workspaceId: string, deliveries: readonly NewDelivery[], trx: Knex.Transaction): Promise<DeliveryRow[]> {
    if (deliveries.length === 0) return [];
    await trx('webhook_deliveries')
      .insert(deliveries.map((delivery) => ({ ...delivery, workspace_id: workspaceId, payload: JSON.stringify(delivery.payload) })))
      .onConflict(['webhook_id', 'dedupe_key'])
      .ignore();
    return (await trx('webhook_deliveries')
      .where({ workspace_id: workspaceId, status: 'PENDING' })
      .whereIn(['webhook_id', 'dedupe_key'], deliveries.map((delivery) => [delivery.webhook_id, delivery.dedupe_key]))
      .orderBy(['created_at', 'id'])
      .select('*')) as DeliveryRow[];
  }

  /** The webhook's deliveries, newest first. */
  listDeliveries(workspaceId: string, webhookId: string, filter: { status?: WebhookDeliveryStatus }, page: PageRequest): Promise<Page<DeliveryRow>> {
    const query = this.db('webhook_deliveries').where({ workspace_id: workspaceId, webhook_id: webhookId }).select('*');
    if (filter.status) query.where('status', filter.status);
    return paginate<DeliveryRow>(query, page, { column: 'created_at', timestamp: true });
  }

  /**
   * The delivery and its webhook (with the sealed secret) by delivery id alone: the worker's
   * delivery workflow knows only that id. Undefined once the webhook was deleted.
   */
  async findDeliveryForWorker(deliveryId: string): Promise<{ delivery: DeliveryRow; webhook: WebhookRow } | undefined> {
    const delivery = (await this.db('webhook_deliveries').where({ id: deliveryId }).first('*')) as DeliveryRow | undefined;
    if (!delivery) return undefined;
    const webhook = (await this.db('webhooks').where({ workspace_id: delivery.workspace_id, id: delivery.webhook_id }).first('*')) as WebhookRow | undefined;
    return webhook ? { delivery, webhook } : undefined;
  }

  /** Appends one attempt to a PENDING delivery; `delivered` closes it. False when it was no longer PENDING. */
  async recordAttempt(workspaceId: string, deliveryId: string, attempt: DeliveryAttempt, delivered: boolean): Promise<boolean> {
    const at = new Date(attempt.at);
    const updated = await this.db('webhook_deliveries')
      .where({ workspace_id: workspaceId, id: deliveryId, status: 'PENDING' })
      .update({
        attempts: this.db.raw('GREATEST(attempts, ?)', [attempt.attempt]),
        response_status: attempt.status_code,
        last_error: attempt.error,
        last_attempt_at: at,
        attempt_log: this.db.raw('attempt_log || CAST(? AS jsonb)', [JSON.stringify([attempt])]),
        ...(delivered && { status: 'DELIVERED' satisfies WebhookDeliveryStatus, finished_at: at }),
      });
    return updated > 0;
  }

  /** Gives up on a PENDING delivery; a delivered one stays DELIVERED. */
  async markFailed(workspaceId: string, deliveryId: string, error: string): Promise<boolean> {
    const updated = await this.db('webhook_deliveries')
      .where({ workspace_id: workspaceId, id: deliveryId, status: 'PENDING' })
      .update({ status: 'FAILED' satisfies WebhookDeliveryStatus, last_error: error, finished_at: new Date() });
    return updated > 0;
  }
}
