import { getRedis } from '#shared/clients/redis.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { type TargetReadDeps, targetReadDeps } from '../catalog-deps.ts';
import { targetGet as route } from '../catalog-routes.ts';
import { single, targetView } from '../catalog-views.ts';
import { deploymentSettingsFromEnv } from '../config.ts';
import { redisTargetCircuit } from '../store/circuit.ts';
import { getTarget } from '../use-cases/targets.ts';

/** The handler of `GET /v1/targets/{targetId}` over deps that include the circuit breakers' reader. */
export function targetGetHandler(deps: TargetReadDeps) {
  return httpHandler(route, async ({ principal, params }) => {
    const { target, circuit } = await getTarget(deps, principal, params.targetId);
    return single(target, targetView(principal, target, circuit));
  });
}

const settings = deploymentSettingsFromEnv();
const circuit = redisTargetCircuit(getRedis, {
  failureThreshold: settings.circuitFailureThreshold,
  cooldownSeconds: settings.circuitCooldownSeconds,
});

export const handler = targetGetHandler(targetReadDeps((targetId) => circuit.state(targetId)));
