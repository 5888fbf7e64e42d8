import { randomUUID } from 'node:crypto';
import { InvalidToken, StartExecutionCommand, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { readSecretString } from '#shared/clients/secrets.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { queueByName } from '#shared/clients/sqs.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { requireEnv } from '#shared/env.ts';
import { actorOf } from './catalog-deps.ts';
import { DEPLOYMENT_WORKFLOW_ENV, deploymentSettingsFromEnv } from './config.ts';
import { verifySignature } from './domain/signature.ts';
import { hmacKeyOf } from './drivers/webhook.ts';
import { sagaDeps } from './saga-deps.ts';
import { dynamoCatalogStore } from './store/catalog.ts';
import { dynamoDeploymentStore } from './store/deployments-dynamo.ts';
import type { CallbackDeps } from './use-cases/callback.ts';
import type { DeploymentCatalog, DeploymentDeps } from './use-cases/deployments.ts';
import { requestCancel, resolveDeployCallback } from './use-cases/saga.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The catalog as the deployment routes read it. */
function deploymentCatalog(table: string): DeploymentCatalog {
  const catalog = dynamoCatalogStore(table);
  return {
    stack: (stackId) => catalog.getStack(stackId),
    environment: (environmentId) => catalog.getEnvironment(environmentId),
    async targetOf(environmentId) {
      return (await catalog.listTargets(environmentId, { limit: 1 })).items[0];
    },
    async hasVersion(stackId, version) {
      return (await catalog.getVersion(stackId, version)) !== undefined;
    },
  };
}

/** The saga's ports, built on first use (only the cancel and callback routes use them). */
let ports: ReturnType<typeof sagaDeps> | undefined;
const saga = () => {
  ports ??= sagaDeps();
  return ports;
};

/** Starts sagas (the execution is named after the deployment) and cancels them through the saga's own rules. */
function sagaClient(): DeploymentDeps['saga'] {
  return {
    async start(deploymentId, correlationId) {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: requireEnv(DEPLOYMENT_WORKFLOW_ENV.stateMachineArn),
          name: deploymentId,
          input: JSON.stringify({ deploymentId, correlationId }),
        }),
      );
    },
    cancel: (deploymentId, reason) => requestCancel(saga(), deploymentId, reason),
  };
}

/** Reads only: get, list, the live log. */
export function deploymentReadDeps(): Pick<
  DeploymentDeps,
  'deployments' | 'catalog' | 'settings' | 'now' | 'sleep'
> {
  const table = boundResource('appTable');
  return {
    deployments: dynamoDeploymentStore(table),
    catalog: deploymentCatalog(table),
    settings: deploymentSettingsFromEnv(),
    now: () => new Date(),
    sleep,
  };
}

export function deploymentDeps(): DeploymentDeps {
  const table = boundResource('appTable');
  const events = queueByName(requireEnv(DEPLOYMENT_WORKFLOW_ENV.eventQueueName));
  return {
    ...deploymentReadDeps(),
    deployments: dynamoDeploymentStore(table),
    catalog: deploymentCatalog(table),
    saga: sagaClient(),
    events: { publish: (message) => events.send({ ...message }) },
    actorOf,
    newId: randomUUID,
  };
}

/** The agents' callback: the target's key (read inside this step only) checks the signature. */
export function callbackDeps(): CallbackDeps {
  const table = boundResource('appTable');
  const catalog = dynamoCatalogStore(table);
  const deployments = dynamoDeploymentStore(table);
  return {
    deployment: (deploymentId) => deployments.get(deploymentId),
    target: (targetId) => catalog.getTarget(targetId),
    async verify(target, signed) {
      if (target.credentialsSecret === null) return false;
      return verifySignature(hmacKeyOf(await readSecretString(target.credentialsSecret)), signed.body, signed)
        .valid;
    },
    async resolve(deploymentId, outcome) {
      try {
        return await resolveDeployCallback(saga(), deploymentId, outcome);
      } catch (error) {
        // The step timed out (or was answered) meanwhile: its token is gone, the answer came too late.
        if (
          error instanceof TaskTimedOut ||
          error instanceof InvalidToken ||
          error instanceof TaskDoesNotExist
        )
          return false;
        throw error;
      }
    },
  };
}
