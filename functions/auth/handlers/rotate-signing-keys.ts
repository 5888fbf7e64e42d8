import { httpHandler } from '#shared/http/pipeline.ts';
import { signingKeyRotationDeps } from '../deps.ts';
import { rotateSigningKeys as route } from '../routes.ts';
import { signingKeyStatus, startSigningKeyRotation } from '../use-cases/signing-key-rotation.ts';

const deps = signingKeyRotationDeps();

export const handler = httpHandler(route, async ({ principal, correlationId }) => {
  const started = await startSigningKeyRotation(deps, { actor: principal.id, correlationId });
  const status = await signingKeyStatus(deps, deps.now());
  // 202 while Secrets Manager still runs the steps; 200 once the new key signs.
  return { status: started.outcome === 'started' ? 202 : 200, body: { ...started, ...status } };
});
