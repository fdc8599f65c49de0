/**
 * The job pipeline's activities: rehydrate a job, mirror its states, and run its technique
 * (evidence to object storage, findings upserted by fingerprint). Built by a plain factory
 * from the dependencies the worker's composition root gives.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Config } from '../core/config';
import { noopJobMetrics, type FinalJobStatus, type JobMetrics } from '../core/job-metrics';
import type { JobStatus } from '../core/domain/job-states';
import type { JobPlan, JobRef, JobWorkflowInput, MirrorRequest, MirrorResult, RunTechniqueInput, TechniqueOutcome, TechniqueResult } from '../core/domain/job-execution';
import type { JobFinishedNotice } from '../core/domain/webhooks';
import type { TechniqueCode } from '../core/domain/techniques';
import type { Logger } from '../core/logger';
import type { EvidenceStore } from '../core/storage/evidence-store';
import type { Job } from '../db/models/Job';
import { attemptTransition, transitionJob, type AttemptTransition, type TransitionOutcome } from '../db/repositories/job-transitions';
import { attemptStatusSignal, type AttemptStatus } from '../workflows/signals';
import type { Repositories } from '../db/repositories';
import type { Politeness } from './rate-limit';
import { storeEvidence } from './store-evidence';
import { TechniqueError, type Technique, type TechniqueNetwork } from './techniques/types';

/** What the job activities need. */
export interface JobActivityDeps {
  readonly config: Config;
  readonly knex: Knex;
  readonly repos: Repositories;
  readonly evidenceStore: EvidenceStore;
  readonly logger: Logger;
  readonly politeness: Politeness;
  readonly techniques: Readonly<Partial<Record<TechniqueCode, Technique>>>;
  /** Where the pipeline's metrics go; nothing is recorded when absent. */
  readonly metrics?: JobMetrics;
  /** Tells the workspace's webhooks that a job ended (idempotent); none are told when absent. */
  readonly notifyJobFinished?: (notice: JobFinishedNotice) => Promise<unknown>;
}

const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>(['SUCCEEDED', 'FAILED', 'DEAD_LETTER', 'CANCELLED']);

/** Creates loadJobPlan, mirrorJobState and runTechnique. */
export function createJobActivities(deps: JobActivityDeps) {
  const network = techniqueNetwork(deps.config);
  const metrics = deps.metrics ?? noopJobMetrics;

  type Mirror = MirrorRequest & { attempt?: number; nextRetryAt?: Date };

  function transition(trx: Knex.Transaction, request: Mirror): Promise<TransitionOutcome> {
    return transitionJob(trx, request.workspaceId, request.jobId, {
      to: request.to,
      mode: 'mirror',
      runNumber: request.runNumber,
      attempt: request.attempt,
      error: request.error ?? null,
      nextRetryAt: request.nextRetryAt ?? null,
    });
  }

  /** Counts a committed transition, and the job's end when it ended. */
  function recorded(outcome: TransitionOutcome | (AttemptTransition & { applied: true }), request: Mirror): MirrorResult {
    const { job } = outcome;
    if (outcome.applied) {
      metrics.transition(outcome.from, job.status, job.technique);
      if (FINAL_STATUSES.has(job.status) && request.ends !== false) {
        const queuedAt = job.queued_at ?? job.created_at;
        const seconds = job.finished_at ? (new Date(job.finished_at).getTime() - new Date(queuedAt).getTime()) / 1000 : 0;
        metrics.jobFinished(job.technique, job.status as FinalJobStatus, Math.max(0, seconds));
      }
    }
    return { applied: outcome.applied, status: job.status, runNumber: job.run_number };
  }

  /** Webhooks of a job that succeeded; the technique activity tells them itself, saving the workflow a step. */
  async function notifySucceeded(plan: JobPlan): Promise<void> {
    await deps.notifyJobFinished?.({ workspaceId: plan.workspaceId, jobId: plan.jobId, status: 'SUCCEEDED', runNumber: plan.runNumber });
  }

  /** The job and its target from Postgres, by id (the workflow id), with the policy of this worker's config. */
  async function rehydrate(jobId: string): Promise<JobPlan> {
    const row = await deps.repos.jobs.findForWorker(jobId);
    if (!row) throw ApplicationFailure.nonRetryable(`job ${jobId} does not exist`, 'JobNotRunnable');
    return planOf(row.job, row.target, { runNumber: row.job.run_number, policy: deps.config.jobs[row.job.technique] });
  }

  async function mirror(request: Mirror): Promise<MirrorResult> {
    return recorded(await deps.knex.transaction((trx) => transition(trx, request)), request);
  }

  return {
    /** Rehydrates the job's ref from Postgres, for a workflow started without the job's memo. */
    async loadJobPlan(input: JobWorkflowInput): Promise<JobRef> {
      const plan = await rehydrate(input.jobId);
      const { target: _target, params: _params, ...ref } = plan;
      return ref;
    },

    /** Mirrors a state the workflow reached; a repeat or late write is ignored. Answers the job's status. */
    async mirrorJobState(request: MirrorRequest): Promise<MirrorResult> {
      return mirror(request);
    },

    /**
     * One attempt of the technique. Rehydrates the job and mirrors RUNNING at its start; records
     * the findings and SUCCEEDED in one transaction, then tells the webhooks; when it fails with
     * attempts left, mirrors RETRYING with the error and the time of the next attempt.
     */
    async runTechnique({ job }: RunTechniqueInput): Promise<TechniqueResult> {
      const context = Context.current();
      const { attempt } = context.info;
      const signal = context.cancellationSignal;
      const log = deps.logger.child({ job_id: job.jobId, workflow_id: context.info.workflowExecution?.workflowId, attempt });
      // The worker rehydrates the job here; the retry policy is the one Temporal runs this activity
      // under. The usual case (QUEUED or RETRYING → RUNNING) is one statement.
      const started = await attemptTransition(deps.knex, 'start', { ...job, attempt });
      let plan: JobPlan;
      if (started) {
        recorded({ applied: true, ...started }, { ...job, to: 'RUNNING', attempt });
        plan = planOf(started.job, started.target, job);
      } else {
        const rehydrated = await rehydrate(job.jobId);
        if (rehydrated.workspaceId !== job.workspaceId) throw ApplicationFailure.nonRetryable(`job ${job.jobId} is not in workspace ${job.workspaceId}`, 'JobNotRunnable');
        plan = { ...rehydrated, runNumber: job.runNumber, policy: job.policy };
        // A job the workflow found still CREATED (started by a schedule's firing, or before the
        // API's commit) is queued first, so its history reads as every other job's.
        if (rehydrated.status === 'CREATED') await mirror({ ...plan, to: 'QUEUED' });
        const running = await mirror({ ...plan, to: 'RUNNING', attempt });
        // Not applied: a repeat of this attempt's RUNNING is fine, and a SUCCEEDED of this run means
        // an earlier attempt recorded the results but its completion was lost; nothing else runs.
        if (!running.applied && running.status === 'SUCCEEDED' && running.runNumber === plan.runNumber) {
          await notifySucceeded(plan);
          return null;
        }
        if (!running.applied && running.status !== 'RUNNING') {
          throw ApplicationFailure.nonRetryable(`job is ${running.status}, not runnable`, 'JobNotRunnable');
        }
      }
      const technique = deps.techniques[plan.technique];
      if (!technique) throw ApplicationFailure.nonRetryable(`technique ${plan.technique} is not available`, 'JobNotRunnable');
      // The workflow's status attribute learns RUNNING from here: a retry at once (it showed
      // RETRYING), a first attempt once it has run for the grace period (short ones never show it).
      const grace = Math.min(HEARTBEAT_PERIOD_MS, plan.policy.heartbeatTimeoutMs / 4);
      if (attempt > 1) await reportToWorkflow(context, log, { status: 'RUNNING', attempt });
      const runningReport = attempt > 1 ? undefined : setTimeout(() => void reportToWorkflow(context, log, { status: 'RUNNING', attempt }), grace);
      metrics.attempt(plan.technique);
      const heartbeat = deferredHeartbeat(context, grace);
      const attemptOnce = async (): Promise<TechniqueOutcome> => {
        try {
          const waited = await heartbeatWhile(heartbeat, 'waiting for the technique rate limit', deps.politeness.waitForTechniqueSlot(plan.technique, signal));
          metrics.rateLimitWait('technique', plan.technique, waited / 1000);
          const result = await technique(plan.target, plan.params, {
            network,
            signal,
            heartbeat: (progress) => heartbeat.beat(progress),
            waitForDomainSlot: (kind, domain) =>
              heartbeatWhile(heartbeat, `waiting for the ${kind} rate limit of ${domain}`, deps.politeness.waitForDomainSlot(kind, domain, signal)).then(
                (ms) => metrics.rateLimitWait(kind, plan.technique, ms / 1000),
              ),
          });
          heartbeat.beat({ stage: 'storing' });
          const stored = await storeEvidence(deps, plan, attempt, result.evidence);
          metrics.evidenceStored(plan.technique, result.evidence.reduce((sum, item) => sum + item.body.length, 0), stored.length);
          const succeeded: Mirror = { ...plan, to: 'SUCCEEDED', attempt };
          const findings = result.findings.map((finding) => ({ ...finding, technique: plan.technique, target_id: plan.targetId }));
          // SUCCEEDED and the findings commit together (one statement when there are none). The job
          // row is locked first: a cancellation mirrored meanwhile wins, and nothing is recorded.
          const succeed = async (db: Knex | Knex.Transaction) => {
            const finished = await attemptTransition(db, 'succeed', { ...plan, attempt });
            if (finished) return finished;
            const current = await deps.repos.jobs.find(plan.workspaceId, plan.jobId);
            throw ApplicationFailure.nonRetryable(`job is ${current?.status ?? 'gone'}, its results are not recorded`, 'JobNotRunnable');
          };
          const { finished, counts } =
            findings.length === 0
              ? { finished: await succeed(deps.knex), counts: { new: 0, seen_again: 0 } }
              : await deps.knex.transaction(async (trx) => ({
                  finished: await succeed(trx),
                  counts: await deps.repos.findings.upsertMany(plan.workspaceId, plan.jobId, findings, trx),
                }));
          recorded({ applied: true, ...finished }, succeeded);
          metrics.findings(plan.technique, counts.new, counts.seen_again);
          log.info({ evidence: stored.length, findings_new: counts.new, findings_seen_again: counts.seen_again }, 'technique succeeded');
          return {
            evidence: stored.length,
            evidenceKeys: stored,
            findingsNew: counts.new,
            findingsSeenAgain: counts.seen_again,
            summary: result.summary,
          };
        } catch (error) {
          if (signal.aborted || error instanceof CancelledFailure || error instanceof ApplicationFailure) throw error;
          const permanent = error instanceof TechniqueError ? error.failureClass === 'permanent' : false;
          const message = error instanceof Error ? error.message : String(error);
          const code = error instanceof TechniqueError ? error.code : 'unexpected';
          metrics.attemptFailed(plan.technique, code, permanent ? 'permanent' : 'transient');
          if (!permanent && attempt < plan.policy.maxAttempts) {
            const delay = Math.min(
              plan.policy.initialIntervalMs * plan.policy.backoffCoefficient ** (attempt - 1),
              plan.policy.maximumIntervalMs,
            );
            await mirror({ ...plan, to: 'RETRYING', attempt, error: message, nextRetryAt: new Date(Date.now() + delay) });
            await reportToWorkflow(context, log, { status: 'RETRYING', attempt });
          }
          log.warn({ err: message, code, permanent }, 'technique attempt failed');
          throw permanent
            ? ApplicationFailure.nonRetryable(message, 'TechniquePermanentError', { code })
            : ApplicationFailure.retryable(message, 'TechniqueTransientError', { code });
        }
      };
      const outcome = await attemptOnce().finally(() => {
        heartbeat.stop();
        clearTimeout(runningReport);
      });
      // Told after the commit, outside the attempt: a failure to tell retries the activity,
      // whose next attempt finds the job SUCCEEDED and only tells again (idempotent).
      await notifySucceeded(plan);
      return outcome;
    },
  };
}

/** The plan of a job row and its target, under `ref`'s run and policy. */
function planOf(
  job: Pick<Job, 'id' | 'workspace_id' | 'target_id' | 'technique' | 'params' | 'status'>,
  target: JobPlan['target'],
  ref: Pick<JobRef, 'runNumber' | 'policy'>,
): JobPlan {
  return {
    jobId: job.id,
    workspaceId: job.workspace_id,
    targetId: job.target_id,
    target: { type: target.type, value: target.value },
    technique: job.technique,
    params: job.params,
    status: job.status,
    runNumber: ref.runNumber,
    policy: ref.policy,
  };
}

/** Tells the job's workflow about a RUNNING or RETRYING it did not decide; a failure to tell is only logged. */
async function reportToWorkflow(context: Context, log: Logger, status: AttemptStatus): Promise<void> {
  const execution = context.info.workflowExecution;
  if (!execution) return;
  try {
    await context.client.workflow.getHandle(execution.workflowId, execution.runId).signal(attemptStatusSignal, status);
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error), status: status.status }, 'could not report the attempt to the workflow');
  }
}

/**
 * How long an attempt runs before its first heartbeat reaches Temporal, and the longest it then
 * goes without one (each at most a quarter of the heartbeat timeout).
 */
const HEARTBEAT_PERIOD_MS = 1000;

/** An attempt's heartbeats: held back at first, then steady until the attempt is over. */
export interface DeferredHeartbeat {
  /** Reports progress; the details are repeated by every heartbeat until the next report. */
  beat(details?: unknown): void;
  /** The details last reported. */
  readonly details: unknown;
  /** Ends the attempt's heartbeats: drops one still held back, stops the steady ones, ignores later reports. */
  stop(): void;
}

/**
 * A heartbeat costs a call to the Temporal server and a write there. Most attempts end within a
 * second, so heartbeats are held back for `graceMs` (the latest is sent then) and pass straight
 * through afterwards; the SDK throttles them from there. Cancellation still arrives with the first
 * heartbeat, at most `graceMs` late.
 *
 * From the grace period on, a heartbeat goes out at least every `intervalMs` (by default `graceMs`), repeating the latest
 * details: a technique waits up to its own timeouts on a silent connect or reply (an SMTP server
 * behind a filter, a tarpit, a banner that never comes), and a quiet stretch must neither let the
 * heartbeat timeout kill a healthy attempt nor delay its cancellation, which Temporal delivers in
 * heartbeat answers. A lost worker is still caught by the heartbeat timeout (its timers die with
 * it); an attempt hung inside a live worker is ended by the activity's start-to-close timeout.
 */
export function deferredHeartbeat(context: Pick<Context, 'heartbeat'>, graceMs: number, intervalMs = graceMs): DeferredHeartbeat {
  const started = Date.now();
  let latest: unknown;
  let stopped = false;
  let repeat: NodeJS.Timeout | undefined;
  const send = () => {
    if (stopped) return;
    context.heartbeat(latest);
    // Rescheduled by every heartbeat, so it only fires after `intervalMs` without one.
    (repeat ??= setTimeout(send, intervalMs)).refresh();
  };
  const held = setTimeout(send, graceMs);
  return {
    beat(details) {
      if (stopped) return;
      latest = details;
      if (Date.now() - started >= graceMs) send();
    },
    get details() {
      return latest;
    },
    stop() {
      stopped = true;
      clearTimeout(held);
      clearTimeout(repeat);
    },
  };
}

/** Reports `stage` while `waiting` runs (waiting for a rate-limit token is not a stall), then the progress from before. */
async function heartbeatWhile<T>(heartbeat: DeferredHeartbeat, stage: string, waiting: Promise<T>): Promise<T> {
  const before = heartbeat.details;
  heartbeat.beat({ stage });
  try {
    return await waiting;
  } finally {
    if (before !== undefined) heartbeat.beat(before);
  }
}

/** The technique's view of the network settings. */
export function techniqueNetwork(config: Config): TechniqueNetwork {
  const t = config.techniques;
  return {
    dnsServers: t.dns.servers,
    dnsTimeoutMs: t.dns.timeoutMs,
    dnsTries: t.dns.tries,
    whoisServer: t.whois.server,
    whoisServerMap: t.whois.serverMap,
    whoisTimeoutMs: t.whois.timeoutMs,
    rdapEnabled: t.whois.rdapEnabled,
    rdapBaseUrl: t.whois.rdapBaseUrl,
    smtpPort: t.smtp.port,
    smtpHeloName: t.smtp.heloName,
    smtpMailFrom: t.smtp.mailFrom,
    smtpTimeoutMs: t.smtp.timeoutMs,
    portScanConcurrency: t.portScan.concurrency,
    portScanTimeoutMs: t.portScan.timeoutMs,
    scanAllowedCidrs: t.scanAllowedCidrs,
  };
}
