import { requireEnv } from '#shared/env.ts';

/**
 * What the saga's functions need beyond the deployment settings (`config.ts`) and the workflow's
 * names (`DEPLOYMENT_WORKFLOW_ENV`): where agents call back. Both sides of the contract here.
 */
const ENV = {
  /** The API's base URL; an agent's callback goes to `<base>/v1/deployments/<id>/callback`. */
  callbackBaseUrl: 'NIMBUS_DEPLOY_CALLBACK_BASE_URL',
} as const;

export function sagaEnvironment(settings: { callbackBaseUrl: string }): Record<string, string> {
  return { [ENV.callbackBaseUrl]: settings.callbackBaseUrl };
}

export function callbackUrlFromEnv(): (deploymentId: string) => string {
  const base = new URL(requireEnv(ENV.callbackBaseUrl));
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
  return (deploymentId) => new URL(`v1/deployments/${encodeURIComponent(deploymentId)}/callback`, root).href;
}
