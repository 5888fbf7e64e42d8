import { randomUUID } from 'node:crypto';
import { SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { readSecretString } from '#shared/clients/secrets.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { queueByName } from '#shared/clients/sqs.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { requireEnv } from '#shared/env.ts';
import { actorOf } from './catalog-deps.ts';
import { DEPLOYMENT_WORKFLOW_ENV, deploymentSettingsFromEnv } from './config.ts';
import { verifySignature } from './domain/signature.ts';
import { dynamoCatalogStore } from './store/catalog.ts';
import { dynamoDeploymentStore } from './store/deployments-dynamo.ts';
import type { CallbackDeps } from './use-cases/callback.ts';
import type { DeploymentCatalog, DeploymentDeps } from './use-cases/deployments.ts';

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

/** Starts sagas and answers their waiting steps (the execution is named after the deployment). */
function sagaClient() {
  const stateMachineArn = () => requireEnv(DEPLOYMENT_WORKFLOW_ENV.stateMachineArn);
  return {
    async start(deploymentId: string, correlationId: string) {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stateMachineArn(),
          name: deploymentId,
          input: JSON.stringify({ deploymentId, correlationId }),
        }),
      );
    },
    async answer(token: string, outcome: { ok: boolean; reason: string | null }) {
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(outcome) }));
    },
    async failWaitingStep(token: string, reason: string) {
      // The step's Catch sends the machine down the compensations; the cancel flag names the outcome.
      await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Cancelled', cause: reason }));
    },
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
  const saga = sagaClient();
  return {
    deployments: dynamoDeploymentStore(table),
    target: (targetId) => catalog.getTarget(targetId),
    async verify(target, signed) {
      if (target.credentialsSecret === null) return false;
      const key = await readSecretString(target.credentialsSecret);
      return verifySignature(key, signed.body, signed).valid;
    },
    answer: saga.answer,
    now: () => new Date(),
  };
}
