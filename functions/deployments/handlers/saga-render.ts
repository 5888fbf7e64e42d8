import { taskHandler } from '#shared/workers.ts';
import { sagaDeps } from '../saga-deps.ts';
import { render, type StepInput } from '../use-cases/saga.ts';

const deps = sagaDeps();

/** Deployment saga task (`lib/constructs/deployment-saga.ts`): `{ deploymentId, correlationId }` → `{ ok: true } | { ok: false, step, reason }`. */
export const handler = taskHandler('deploy-saga-render', (input: StepInput) => render(deps, input));
