/**
 * Where the worker takes its workflow code: the bundle made at build time when it exists
 * (fast start, the exact code that was built), otherwise the sources, bundled on start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type Logger, type WorkerOptions } from '@temporalio/worker';

/** The bundle written by `npm run build` (worker/bundle-workflows.ts). */
export const WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '../workflow-bundle.js');
/** The workflows' entry point. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** The workflow bundle for Worker.create, built once per process and shared by its workers. */
export async function workflowSource(logger: Logger): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  if (fs.existsSync(WORKFLOW_BUNDLE_PATH)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger });
  return { workflowBundle: { code } };
}
