import { logger } from '#shared/observability.ts';
import type { JobContext } from '#shared/scheduled.ts';
import type { RotateDueDeps } from '../deps.ts';
import { startRun } from './run.ts';

export const ROTATE_DUE_JOB = 'rotate-due';

/**
 * The daily rotation: signing keys (where no Secrets Manager schedule rotates them; identity's use
 * case decides) and API keys with a due rotation schedule. Each is its own step, so one failing
 * still lets the other rotate. Both use cases rotate only what is due, so a retried or repeated
 * run rotates nothing twice.
 */
export async function rotateDue(deps: RotateDueDeps, context: JobContext): Promise<void> {
  const run = startRun(deps, ROTATE_DUE_JOB, context);
  const signing = await run.step('signing-keys', () => deps.signingKeys.rotateIfDue(context.now));
  if (signing) logger.info('signing keys', { rotated: signing.rotated, reason: signing.reason });
  const api = await run.step('api-keys', () => deps.apiKeys.rotateDue(context.now));
  if (api) logger.info('api keys rotated', { count: api.rotated.length, keyIds: api.rotated });
  await run.finish({
    signingKeysRotated: signing?.rotated ?? null,
    apiKeysRotated: api ? api.rotated.length : null,
  });
}
