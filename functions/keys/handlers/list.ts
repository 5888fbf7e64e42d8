import { httpHandler } from '#shared/http/pipeline.ts';
import { keyDeps } from '../deps.ts';
import { listKeys as route } from '../routes.ts';
import { publicKey } from '../use-cases.ts';

const deps = keyDeps();

export const handler = httpHandler(route, async ({ principal }) => {
  const keys = await deps.keys.listByOwner(principal.id);
  return { body: { items: keys.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map(publicKey) } };
});
