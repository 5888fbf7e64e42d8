import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { listSessions as route } from '../routes.ts';
import { listOwnSessions } from '../use-cases/sessions.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal }) => ({
  body: { items: await listOwnSessions(deps, principal.id, principal.sessionId) },
}));
