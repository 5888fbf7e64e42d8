import { workflowDeps } from '#functions/compose/gdpr.ts';
import { taskHandler } from '#shared/workers.ts';
import { failErasure } from '../use-cases/erasure-tasks.ts';

const deps = workflowDeps();

/** Erasure state machine task (`lib/constructs/erasure-workflow.ts`); its input holds ids only. */
export const handler = taskHandler('erasure-fail', (input: { erasureId: string; store: string }) =>
  failErasure(deps, input),
);
