import { readSecretString } from '#shared/clients/secrets.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { sqsBatchHandler } from '#shared/workers.ts';
import { deploymentSettingsFromEnv } from '../config.ts';
import { dynamoOrganizationReader } from '../store/catalog-readers.ts';
import { notifyOrganization } from '../use-cases/notify.ts';
import type { DeploymentEventMessage } from '../use-cases/saga.ts';

const settings = deploymentSettingsFromEnv();
const deps = {
  organizations: dynamoOrganizationReader(boundResource('appTable')),
  readSecret: (id: string) => readSecretString(id),
  allowLoopbackHttp: settings.allowLoopbackHttp,
  timeoutMs: settings.agentTimeoutMs,
  now: () => new Date(),
};

/** The deployment event queue's consumer: one signed POST per event to its organisation's webhook. */
export const handler = sqsBatchHandler('deploy-notifier', async (message: DeploymentEventMessage) => {
  await notifyOrganization(deps, message);
});
