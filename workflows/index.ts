/**
 * Every workflow the worker runs, bundled for Temporal's deterministic sandbox.
 * Workflows import only `@temporalio/workflow`, `core/domain` and activity types (lint-enforced).
 */
export { jobWorkflow } from './job-workflow';
export { scheduledJobWorkflow } from './scheduled-job-workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery-workflow';
