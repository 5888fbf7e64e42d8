import { httpHandler } from '#shared/http/pipeline.ts';
import { keyDeps } from '../deps.ts';
import { listKeys as route } from '../routes.ts';
import { listOwnKeys } from '../use-cases/list.ts';

const deps = keyDeps();

export const handler = httpHandler(route, async ({ principal }) => ({
  body: { items: await listOwnKeys(deps, principal.id) },
}));
