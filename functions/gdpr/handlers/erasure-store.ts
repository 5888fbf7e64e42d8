import { workflowDeps } from '#functions/compose/gdpr.ts';
import { taskHandler } from '#shared/workers.ts';
import { eraseStore } from '../use-cases/erasure-tasks.ts';

const deps = workflowDeps();

/** Erasure state machine task (`lib/constructs/erasure-workflow.ts`); its input holds ids only. */
export const handler = taskHandler('erasure-store', (input: { erasureId: string; store: string }) =>
  eraseStore(deps, input),
);
