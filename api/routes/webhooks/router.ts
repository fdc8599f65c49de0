/** Webhooks: who is told when jobs finish or findings change, test pings, and how each delivery went (ADMIN). */
import { randomUUID } from 'node:crypto';
import { errors } from '../../../core/errors';
import { SecretBox } from '../../../core/secret-box';
import type { RouteDeps } from '../../deps';
import { defineRoute, type RouteDefinition } from '../../route';
import { WorkspaceParams } from '../../schemas';
import { generateSecret, originOf, pingWebhook, updateWebhook, urlProblems } from './commands';
import { presentDelivery, presentWebhook } from './presenter';
import {
  CreatedWebhookView,
  CreateWebhookBody,
  DeliveryPage,
  DeliveryView,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  WebhookPage,
  UpdateWebhookBody,
  WebhookParams,
  WebhookView,
} from './schema';

export function webhookRoutes(deps: RouteDeps): RouteDefinition[] {
  const { repos, knex, config } = deps;
  const secrets = new SecretBox(config.secretKey);

  return [
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/webhooks',
      summary: 'Register a webhook',
      description:
        'Each delivery is a POST of a JSON body with X-Osint-Event, X-Osint-Delivery, X-Osint-Timestamp (unix seconds) and ' +
        'X-Osint-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body)). Refuse old timestamps to refuse replays. ' +
        'Deliveries are retried with backoff on timeouts, 408, 429 and 5xx answers; other answers end them.',
      tags: ['webhooks'],
      access: 'ADMIN',
      params: WorkspaceParams,
      body: CreateWebhookBody,
      responses: { 201: { description: 'the webhook, with the generated secret when none was given', schema: CreatedWebhookView } },
      handler: async ({ workspace, body, user, ip }) => {
        const problems = urlProblems(config, body.url);
        if (problems.length > 0) throw errors.validation(problems);
        const generated = body.secret === undefined ? generateSecret() : undefined;
        const id = randomUUID();
        const webhook = await knex.transaction(async (trx) => {
          const created = await repos.webhooks.create(
            workspace.id,
            {
              id,
              url: body.url,
              events: body.events,
              secret_sealed: secrets.seal(body.secret ?? generated!, id),
              description: body.description ?? null,
              created_by: user.id,
            },
            trx,
          );
          await repos.auditLogs.record(
            workspace.id,
            { action: 'webhook.created', entity_type: 'webhook', entity_id: id, actor_id: user.id, ip, details: { origin: originOf(body.url), events: body.events } },
            trx,
          );
          return created;
        });
        return { status: 201, body: { ...presentWebhook(webhook), ...(generated && { secret: generated }) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/webhooks',
      summary: "The workspace's webhooks, newest first (secrets are never shown)",
      tags: ['webhooks'],
      access: 'ADMIN',
      params: WorkspaceParams,
      query: ListWebhooksQuery,
      responses: { 200: { description: 'a page of webhooks', schema: WebhookPage } },
      handler: async ({ workspace, query }) => {
        const page = await repos.webhooks.list(workspace.id, query);
        return { body: { items: page.items.map(presentWebhook), next_cursor: page.next_cursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/webhooks/{webhook_id}',
      summary: 'One webhook (its secret is never shown)',
      tags: ['webhooks'],
      access: 'ADMIN',
      params: WebhookParams,
      responses: { 200: { description: 'the webhook', schema: WebhookView } },
      handler: async ({ workspace, params }) => {
        const webhook = await repos.webhooks.find(workspace.id, params.webhook_id);
        if (!webhook) throw errors.notFound('Webhook');
        return { body: presentWebhook(webhook) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/workspaces/{workspace_id}/webhooks/{webhook_id}',
      summary: 'Change a webhook: its URL, events, description or signing secret',
      tags: ['webhooks'],
      access: 'ADMIN',
      params: WebhookParams,
      body: UpdateWebhookBody,
      responses: { 200: { description: 'the webhook, with the new secret when rotate_secret generated one', schema: CreatedWebhookView } },
      handler: async ({ workspace, params, body, user, ip }) => {
        const change = { workspaceId: workspace.id, webhookId: params.webhook_id, body, actorId: user.id, ip };
        const { webhook, generated } = await updateWebhook({ ...deps, secrets }, change);
        return { body: { ...presentWebhook(webhook), ...(generated && { secret: generated }) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/workspaces/{workspace_id}/webhooks/{webhook_id}/ping',
      summary: 'Send the webhook a test delivery (webhook.ping)',
      description:
        'Signed, checked by the address guard and retried like any delivery, whatever events the webhook wants. ' +
        'The answer is the delivery, PENDING; follow it in …/deliveries.',
      tags: ['webhooks'],
      access: 'ADMIN',
      params: WebhookParams,
      responses: { 202: { description: 'the delivery, on its way', schema: DeliveryView } },
      errors: [503],
      handler: async ({ workspace, params, user }) => {
        const delivery = await pingWebhook(deps, { workspaceId: workspace.id, webhookId: params.webhook_id, actorId: user.id });
        return { status: 202, body: presentDelivery(delivery) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/workspaces/{workspace_id}/webhooks/{webhook_id}',
      summary: 'Delete a webhook and its delivery history',
      description: 'Deliveries still being retried stop at their next attempt.',
      tags: ['webhooks'],
      access: 'ADMIN',
      params: WebhookParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ workspace, params, user, ip }) => {
        await knex.transaction(async (trx) => {
          const webhook = await repos.webhooks.find(workspace.id, params.webhook_id, trx);
          if (!webhook || !(await repos.webhooks.remove(workspace.id, webhook.id, trx))) throw errors.notFound('Webhook');
          await repos.auditLogs.record(
            workspace.id,
            { action: 'webhook.deleted', entity_type: 'webhook', entity_id: webhook.id, actor_id: user.id, ip, details: { origin: originOf(webhook.url), events: webhook.events } },
            trx,
          );
        });
        return { status: 204, body: null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workspaces/{workspace_id}/webhooks/{webhook_id}/deliveries',
      summary: "The webhook's deliveries, newest first, with every attempt",
      tags: ['webhooks'],
      access: 'ADMIN',
      params: WebhookParams,
      query: ListDeliveriesQuery,
      responses: { 200: { description: 'a page of deliveries', schema: DeliveryPage } },
      handler: async ({ workspace, params, query }) => {
        if (!(await repos.webhooks.find(workspace.id, params.webhook_id))) throw errors.notFound('Webhook');
        const page = await repos.webhooks.listDeliveries(workspace.id, params.webhook_id, { status: query.status }, query);
        return { body: { items: page.items.map(presentDelivery), next_cursor: page.next_cursor } };
      },
    }),
  ];
}
