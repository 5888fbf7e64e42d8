import { httpHandler } from '#shared/http/pipeline.ts';
import { readinessDeps } from '../deps.ts';
import { healthReady } from '../routes.ts';
import { assertReady } from '../use-cases/readiness.ts';

const deps = readinessDeps();

export const handler = httpHandler(healthReady, async () => ({ body: await assertReady(deps) }));
