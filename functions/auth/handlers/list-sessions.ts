import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { listSessions as route } from '../routes.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal }) => {
  const sessions = await deps.sessions.list(principal.id);
  const items = sessions
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((s) => ({
      sessionId: s.sessionId,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      current: s.sessionId === principal.sessionId,
      revokedAt: s.revokedAt,
      userAgent: s.userAgent,
      ip: s.ip,
    }));
  return { body: { items } };
});
