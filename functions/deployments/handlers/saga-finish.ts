import { taskHandler } from '#shared/workers.ts';
import { sagaDeps } from '../saga-deps.ts';
import { type FinishInput, finish } from '../use-cases/saga.ts';

const deps = sagaDeps();

/** Deployment saga task after a failure: `{ deploymentId, correlationId, failure }` → `{ ok: true, status }`. */
export const handler = taskHandler('deploy-saga-finish', (input: FinishInput) => finish(deps, input));
