import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { boundResource } from '#shared/config/bindings.ts';
import { logger, metrics } from '#shared/observability.ts';
import { signingKeyRotationDeps } from '../deps.ts';
import { ROTATION_STEPS } from '../use-cases/signing-key-steps.ts';

const deps = signingKeyRotationDeps();
const SECRET_ARN = boundResource('signingKeysSecret');

/**
 * Secrets Manager's rotation function for the signing-key secret: one step per invocation. It
 * rotates that secret only, and only when its rotation is enabled (Secrets Manager calls it for a
 * secret it rotates); a thrown error makes Secrets Manager stop the rotation and retry it later
 * with the same token, which every step tolerates.
 */
export const handler = middy<SecretsManagerRotationEvent, void>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  .handler(async ({ SecretId, ClientRequestToken: token, Step }) => {
    if (SecretId !== SECRET_ARN)
      throw new Error(`rotation asked for ${SecretId}, not the signing-key secret`);
    const step = ROTATION_STEPS[Step];
    if (step === undefined) throw new Error(`unknown rotation step ${String(Step)}`);
    logger.appendKeys({ rotationStep: Step, versionId: token });
    // The token names the rotation across its four invocations: it is the correlation id.
    await step(
      deps,
      token,
      { actor: 'secretsmanager', correlationId: token },
      { requireRotationEnabled: true },
    );
  });
