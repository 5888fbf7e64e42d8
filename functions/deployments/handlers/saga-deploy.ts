import { taskHandler } from '#shared/workers.ts';
import { sagaDeps } from '../saga-deps.ts';
import { type DeployInput, deploy } from '../use-cases/saga.ts';

const deps = sagaDeps();

/**
 * Deployment saga task invoked with `.waitForTaskToken`: `{ deploymentId, correlationId, taskToken }`.
 * Its own return value is ignored by the machine; the step's result (`{ ok: true } | { ok: false,
 * step, reason }`) arrives by SendTaskSuccess, from here or from the callback route.
 */
export const handler = taskHandler('deploy-saga-deploy', (input: DeployInput) => deploy(deps, input));
