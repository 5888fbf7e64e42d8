import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { getRedis } from '#shared/clients/redis.ts';
import { readSecretString } from '#shared/clients/secrets.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { queueByName } from '#shared/clients/sqs.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { requireEnv } from '#shared/env.ts';
import {
  DEPLOYMENT_WORKFLOW_ENV,
  type DeploymentSettings,
  deploymentSettingsFromEnv,
  sagaTimeLimitSeconds,
} from './config.ts';
import type { DriverName } from './domain/model.ts';
import type { Driver } from './drivers/driver.ts';
import { dryRunDriver } from './drivers/dry-run.ts';
import { webhookDriver } from './drivers/webhook.ts';
import { callbackUrlFromEnv } from './saga-config.ts';
import { dynamoStackVersionReader, dynamoTargetReader } from './store/catalog-readers.ts';
import { redisTargetCircuit } from './store/circuit.ts';
import { dynamoDeploymentStore } from './store/deployments-dynamo.ts';
import type { SagaDeps } from './use-cases/saga.ts';

/** The drivers a stage offers: the webhook everywhere, the dry run only where allowed. */
export function stageDrivers(settings: DeploymentSettings): (name: DriverName) => Driver | undefined {
  const webhook = webhookDriver({
    readSecret: (id) => readSecretString(id),
    timeoutMs: settings.agentTimeoutMs,
    allowLoopbackHttp: settings.allowLoopbackHttp,
  });
  const dryRun = settings.allowDryRun ? dryRunDriver() : undefined;
  return (name) => (name === 'webhook' ? webhook : name === 'dry-run' ? dryRun : undefined);
}

/**
 * The saga's real ports, built once per container by every saga task (and by the routes that
 * resolve a callback or cancel): the app table, Redis, Secrets Manager (the target's key, inside
 * the driver only), the event queue and Step Functions.
 */
export function sagaDeps(): SagaDeps {
  const table = boundResource('appTable');
  const settings = deploymentSettingsFromEnv();
  const queue = queueByName(requireEnv(DEPLOYMENT_WORKFLOW_ENV.eventQueueName));
  return {
    deployments: dynamoDeploymentStore(table),
    stackVersions: dynamoStackVersionReader(table),
    targets: dynamoTargetReader(table),
    circuit: redisTargetCircuit(getRedis, {
      failureThreshold: settings.circuitFailureThreshold,
      cooldownSeconds: settings.circuitCooldownSeconds,
    }),
    drivers: stageDrivers(settings),
    events: { publish: (message) => queue.send({ ...message }) },
    taskTokens: {
      async succeed(token, output) {
        await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      },
    },
    callbackUrl: callbackUrlFromEnv(),
    lockSeconds: sagaTimeLimitSeconds(settings),
    now: () => new Date(),
  };
}
