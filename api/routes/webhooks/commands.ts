/** Changing a webhook and pinging it: checked before any write, audited or recorded in one transaction. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { errors, type FieldProblem } from '../../../core/errors';
import type { SecretBox } from '../../../core/secret-box';
import type { DeliveryRow, PublicWebhook } from '../../../db/repositories/webhooks';
import type { RouteDeps } from '../../deps';
import { startRecordedDelivery } from '../../webhook-deliveries';
import type { UpdateWebhookBody } from './schema';
import { webhookUrlProblem } from './url';

type Deps = Pick<RouteDeps, 'knex' | 'repos' | 'config' | 'temporal'>;

/** Only the origin goes into audit rows: paths and queries of webhook URLs often carry tokens. */
export const originOf = (url: string) => new URL(url).origin;

/** A new signing secret. */
export const generateSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** body.url's problem with the address guard, if it has one. */
export function urlProblems(config: RouteDeps['config'], url: string | undefined): FieldProblem[] {
  const problem = url === undefined ? undefined : webhookUrlProblem(url, config.techniques.scanAllowedCidrs);
  return problem ? [{ field: 'body.url', message: problem }] : [];
}

/**
 * Applies the fields given, with a `webhook.updated` audit row naming them (and the origin,
 * never the URL); answers the webhook and the secret generated for `rotate_secret`, if any.
 */
export async function updateWebhook(
  deps: Deps & { secrets: SecretBox },
  change: { workspaceId: string; webhookId: string; body: Static<typeof UpdateWebhookBody>; actorId: string; ip: string },
): Promise<{ webhook: PublicWebhook; generated?: string }> {
  const { body } = change;
  const problems = urlProblems(deps.config, body.url);
  if (body.secret !== undefined && body.rotate_secret) {
    problems.push(...['body.secret', 'body.rotate_secret'].map((field) => ({ field, message: 'give a new secret or rotate_secret, not both' })));
  }
  if (problems.length > 0) throw errors.validation(problems);
  const generated = body.rotate_secret ? generateSecret() : undefined;
  const secret = body.secret ?? generated;
  const changes = {
    ...(body.url !== undefined && { url: body.url }),
    ...(body.events !== undefined && { events: body.events }),
    ...(body.description !== undefined && { description: body.description }),
    ...(secret !== undefined && { secret_sealed: deps.secrets.seal(secret, change.webhookId) }),
  };
  const webhook = await deps.knex.transaction(async (trx) => {
    const changed = await deps.repos.webhooks.update(change.workspaceId, change.webhookId, changes, trx);
    if (!changed) throw errors.notFound('Webhook');
    const fields = Object.keys(changes).map((field) => (field === 'secret_sealed' ? 'secret' : field));
    await deps.repos.auditLogs.record(
      change.workspaceId,
      { action: 'webhook.updated', entity_type: 'webhook', entity_id: changed.id, actor_id: change.actorId, ip: change.ip, details: { origin: originOf(changed.url), events: changed.events, changed: fields } },
      trx,
    );
    return changed;
  });
  return { webhook, ...(generated && { generated }) };
}

/**
 * Records a `webhook.ping` delivery and starts its workflow once the row is committed (its first
 * attempt reads it). When Temporal does not take it, the delivery is marked FAILED and the
 * caller gets 503, rather than a delivery PENDING forever.
 */
export async function pingWebhook(deps: Deps, ping: { workspaceId: string; webhookId: string; actorId: string }): Promise<DeliveryRow> {
  const webhook = await deps.repos.webhooks.find(ping.workspaceId, ping.webhookId);
  if (!webhook) throw errors.notFound('Webhook');
  const id = randomUUID();
  const payload = {
    id,
    event: 'webhook.ping',
    created_at: new Date().toISOString(),
    workspace_id: ping.workspaceId,
    data: { webhook: { id: webhook.id, events: webhook.events }, sent_by: ping.actorId },
  };
  const [delivery] = await deps.knex.transaction((trx) =>
    deps.repos.webhooks.recordDeliveries(ping.workspaceId, [{ id, webhook_id: webhook.id, event: 'webhook.ping', job_id: null, dedupe_key: `webhook.ping:${id}`, payload }], trx),
  );
  const start = await startRecordedDelivery(deps, ping.workspaceId, delivery!);
  if (!start.started) throw errors.unavailable('Temporal did not accept the ping; its delivery is marked FAILED, try again', { cause: start.refusal });
  return delivery!;
}
