/**
 * Webhook activities: when a job finishes, record one delivery per interested webhook and start
 * a delivery workflow for each (notifyJobFinished); deliver one signed POST per attempt
 * (deliverWebhook) under the workflow's retry policy; give up on a delivery (failWebhookDelivery).
 * Nothing here contacts a receiver while a job waits: a receiver that is down delays only its
 * own delivery workflow.
 */
import net from 'node:net';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Config } from '../core/config';
import { isFinished, type JobStatus } from '../core/domain/job-states';
import { taskQueueName } from '../core/domain/temporal';
import { WEBHOOK_PERMANENT_ERROR, type JobFinishedNotice, type WebhookAttemptResult, type WebhookEvent } from '../core/domain/webhooks';
import { noopJobMetrics, type JobMetrics } from '../core/job-metrics';
import type { Logger } from '../core/logger';
import { finishedJobEvents, jobFinishedDeliveries } from '../core/job-finished-deliveries';
import { SecretBox } from '../core/secret-box';
import { startDeliveryWorkflow } from '../core/webhook-delivery-start';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from '../core/webhook-signature';
import type { Repositories } from '../db/repositories';
import type { Job } from '../db/models/Job';
import { techniqueNetwork } from './job-activities';
import { resolveForConnection } from './techniques/guard';
import { permanentError, TechniqueError } from './techniques/types';
import { postJson } from './webhook-http';

/** What the webhook activities need. */
export interface WebhookActivityDeps {
  readonly config: Config;
  readonly knex: Knex;
  readonly repos: Repositories;
  readonly logger: Logger;
  /** Starts delivery workflows; by default the client the worker gives every activity. */
  readonly temporal?: Client;
  /** Task queue of the delivery workflows; by default the general queue. */
  readonly webhookTaskQueue?: string;
  /** Where delivery outcomes are counted; nothing is recorded when absent. */
  readonly metrics?: JobMetrics;
}

/** What notifyJobFinished did. */
export interface NotifyResult {
  readonly events: WebhookEvent[];
  readonly deliveries: number;
}

/** Creates notifyJobFinished, deliverWebhook and failWebhookDelivery. */
export function createWebhookActivities(deps: WebhookActivityDeps) {
  const { repos, config } = deps;
  const metrics = deps.metrics ?? noopJobMetrics;
  const secrets = new SecretBox(config.secretKey);
  const network = techniqueNetwork(config);
  const policy = { ...config.webhooks };

  /** findings.changed's details, or null when the job saw what the previous one saw. */
  async function findingChanges(workspaceId: string, job: Job, runNumber: number) {
    const previous = await repos.findingDiffs.previousJob(workspaceId, job);
    const diff = await repos.findingDiffs.diff(workspaceId, { jobId: job.id, runNumber }, previous && { jobId: previous.id, runNumber: previous.run_number }, 0);
    const { counts } = diff;
    return counts.new + counts.gone + counts.changed === 0 ? null : { against_job_id: previous?.id ?? null, counts };
  }

  function temporalClient(): Client {
    if (deps.temporal) return deps.temporal;
    try {
      return Context.current().client;
    } catch (error) {
      throw ApplicationFailure.nonRetryable(`no Temporal client to start webhook deliveries with: ${String(error)}`, 'WebhookSetupError');
    }
  }

  return {
    /**
     * Records the deliveries a finished job calls for (job.finished; job.dead_lettered;
     * findings.changed when a SUCCEEDED job's diff against the previous job is not empty) and
     * starts one delivery workflow per delivery. Idempotent: a retry records nothing twice and
     * starts no workflow twice.
     */
    async notifyJobFinished(notice: JobFinishedNotice): Promise<NotifyResult> {
      const { workspaceId, jobId } = notice;
      const status = notice.status as JobStatus;
      if (!isFinished(status)) return { events: [], deliveries: 0 };
      const candidates = finishedJobEvents(status);
      // Every finished job comes through here: a workspace without webhooks costs one query.
      const webhooks = await repos.webhooks.subscribedTo(workspaceId, candidates);
      if (webhooks.length === 0) return { events: [], deliveries: 0 };
      const job = await repos.jobs.find(workspaceId, jobId);
      if (!job) return { events: [], deliveries: 0 };
      const runNumber = notice.runNumber ?? job.run_number;

      const wanted = new Set(webhooks.flatMap((webhook) => webhook.events));
      const changes = wanted.has('findings.changed') && status === 'SUCCEEDED' ? await findingChanges(workspaceId, job, runNumber) : null;
      const events = candidates.filter((event) => wanted.has(event) && (event !== 'findings.changed' || changes));
      const deliveries = jobFinishedDeliveries({ workspaceId, job, status, runNumber, webhooks, events, changes });
      const pending = await deps.knex.transaction((trx) => repos.webhooks.recordDeliveries(workspaceId, deliveries, trx));
      const client = temporalClient();
      const taskQueue = deps.webhookTaskQueue ?? taskQueueName(config.temporal.taskQueue, 'general');
      for (const delivery of pending) await startDeliveryWorkflow(client, delivery, { taskQueue, policy });
      deps.logger.info({ job_id: job.id, workspace_id: workspaceId, events, deliveries: pending.length }, 'webhook deliveries started');
      return { events, deliveries: pending.length };
    },

    /**
     * One attempt of a delivery: resolves and checks the URL's host with the scanning guard,
     * POSTs the signed body to the checked address, and records the attempt. A 2xx delivers;
     * timeouts, network errors, 408, 429 and 5xx throw a retryable failure; anything else
     * (guard refusal, redirects, other 4xx) a permanent one.
     */
    async deliverWebhook(input: { deliveryId: string; timeoutMs?: number }): Promise<WebhookAttemptResult> {
      const found = await repos.webhooks.findDeliveryForWorker(input.deliveryId);
      if (!found) return { status: 'GONE', statusCode: null };
      const { delivery, webhook } = found;
      if (delivery.status !== 'PENDING') return { status: delivery.status, statusCode: delivery.response_status };
      const context = Context.current();
      const { attempt } = context.info;
      const log = deps.logger.child({ delivery_id: delivery.id, webhook_id: webhook.id, workspace_id: webhook.workspace_id, attempt });
      const started = Date.now();
      let statusCode: number | null = null;
      let failure: { message: string; permanent: boolean } | null = null;
      try {
        const url = new URL(webhook.url);
        const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
        const addresses = await resolveForConnection(host, network, context.cancellationSignal);
        const address = addresses.find((candidate) => net.isIPv4(candidate)) ?? addresses[0]!;
        const body = JSON.stringify(delivery.payload);
        const timestamp = Math.floor(Date.now() / 1000);
        let secret: string;
        try {
          secret = secrets.open(webhook.secret_sealed, webhook.id);
        } catch {
          throw permanentError('secret_unreadable', 'the signing secret cannot be read (was SECRET_KEY changed?)');
        }
        statusCode = await postJson(
          url,
          address,
          {
            'User-Agent': 'osint-platform-webhooks/1',
            [EVENT_HEADER]: delivery.event,
            [DELIVERY_HEADER]: delivery.id,
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhookBody(secret, timestamp, body),
          },
          body,
          input.timeoutMs ?? policy.timeoutMs,
        );
        if (statusCode < 200 || statusCode >= 300) failure = { message: `the receiver answered HTTP ${statusCode}`, permanent: !retryableStatus(statusCode) };
      } catch (error) {
        const permanent = error instanceof TechniqueError && error.failureClass === 'permanent';
        failure = { message: error instanceof Error ? error.message : String(error), permanent };
      }
      const recorded = { attempt, at: new Date(started).toISOString(), status_code: statusCode, error: failure?.message ?? null, duration_ms: Date.now() - started };
      await repos.webhooks.recordAttempt(webhook.workspace_id, delivery.id, recorded, failure === null);
      if (!failure) {
        metrics.webhookDelivery('delivered');
        log.info({ status_code: statusCode }, 'webhook delivered');
        return { status: 'DELIVERED', statusCode };
      }
      // An attempt that ends the delivery counts once, as failed, when its workflow gives up.
      if (!failure.permanent && attempt < policy.maxAttempts) metrics.webhookDelivery('retrying');
      log.warn({ status_code: statusCode, err: failure.message, permanent: failure.permanent }, 'webhook attempt failed');
      throw failure.permanent
        ? ApplicationFailure.nonRetryable(failure.message, WEBHOOK_PERMANENT_ERROR)
        : ApplicationFailure.retryable(failure.message, 'WebhookTransientError');
    },

    /** Marks a delivery FAILED once its workflow gives up; a delivered one stays DELIVERED. */
    async failWebhookDelivery(input: { deliveryId: string; error: string }): Promise<void> {
      const found = await repos.webhooks.findDeliveryForWorker(input.deliveryId);
      if (!found) return;
      // A retry of this activity finds it FAILED already, and counts nothing more.
      if (await repos.webhooks.markFailed(found.webhook.workspace_id, found.delivery.id, input.error)) metrics.webhookDelivery('failed');
    },
  };
}

/** Answers worth another attempt: the receiver is overloaded, restarting or slow. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
