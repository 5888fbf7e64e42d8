import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sendCfnResponse } from '#shared/clients/cfn-response.ts';
import { readSecretString } from '#shared/clients/secrets.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { logger } from '#shared/observability.ts';
import { serializeStoredKey } from '../domain/signing-key-versions.ts';
import { secretsManagerSigningKeySecret } from '../store/signing-keys.ts';
import { ensureKeySet, type KeySetSecret } from '../use-cases/key-set-init.ts';

const SECRET_ARN = boundResource('signingKeysSecret');
const stored = secretsManagerSigningKeySecret(SECRET_ARN);
const secret: KeySetSecret = {
  readRaw: () => readSecretString(SECRET_ARN),
  write: (key) => stored.putCurrent(serializeStoredKey(key)),
};

/**
 * Custom resource: makes sure the signing-key secret holds a valid key. The first deploy
 * replaces the placeholder with one fresh ES256 key as the first `AWSCURRENT` version; later
 * deploys leave existing keys alone, and
 * a secret that cannot be read fails the deploy rather than being overwritten. Nothing derived from
 * a brand-new secret is cached yet (cached responses are per API deployment and build,
 * `shared/cache/response-cache.ts`), so this first write invalidates nothing; a running system
 * changes its keys by rotation (`use-cases/signing-key-steps.ts`), which does. Deleting the
 * stack leaves the secret to its own removal policy.
 */
export const handler = async (event: CloudFormationCustomResourceEvent): Promise<void> => {
  const physicalResourceId = 'nimbus-signing-key-set';
  try {
    let kid = 'deleted';
    if (event.RequestType !== 'Delete') {
      const result = await ensureKeySet(secret, () => new Date());
      if (result.created) logger.info('signing key set initialised', { kid: result.kid });
      kid = result.kid;
    }
    await sendCfnResponse(event, { status: 'SUCCESS', physicalResourceId, data: { CurrentKid: kid } });
  } catch (error) {
    logger.error('signing key set initialisation failed', { error });
    await sendCfnResponse(event, { status: 'FAILED', physicalResourceId, reason: 'initialisation failed' });
  }
};
