import { httpHandler } from '#shared/http/pipeline.ts';
import type { TargetReadDeps } from '../catalog-deps.ts';
import { targetGet as route } from '../catalog-routes.ts';
import { single, targetView } from '../catalog-views.ts';
import { getTarget } from '../use-cases/targets.ts';

/**
 * The handler of `GET /v1/targets/{targetId}` over deps that include the circuit breakers' reader.
 * The reader is the saga's (Redis), so the entry point is composed where both meet:
 * `export const handler = targetGetHandler(targetReadDeps(<the saga's circuitOf>))`.
 */
export function targetGetHandler(deps: TargetReadDeps) {
  return httpHandler(route, async ({ principal, params }) => {
    const { target, circuit } = await getTarget(deps, principal, params.targetId);
    return single(target, targetView(principal, target, circuit));
  });
}
