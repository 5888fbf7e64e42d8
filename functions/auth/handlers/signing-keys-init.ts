import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sendCfnResponse } from '#shared/clients/cfn-response.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { logger } from '#shared/observability.ts';
import { generateSigningKey } from '../domain/jwt.ts';
import { readKeySet, writeKeySet } from '../store/signing-keys.ts';

const SECRET_ARN = boundResource('signingKeysSecret');

/**
 * Custom resource: makes sure the signing-key secret holds a valid key set. The first deploy
 * replaces the placeholder with one fresh ES256 key; later deploys leave existing keys alone.
 * Nothing derived from a brand-new secret is cached yet (cached responses are per API deployment
 * and build, `shared/cache/response-cache.ts`), so this first write invalidates nothing; a running
 * system changes its keys through `replaceKeySet`. Deleting the stack leaves the secret to its own
 * removal policy.
 */
export async function ensureKeySet(): Promise<string> {
  try {
    const existing = await readKeySet(SECRET_ARN);
    return existing.keys.find((key) => key.status === 'current')?.kid ?? 'unknown';
  } catch {
    const key = await generateSigningKey(new Date(), 'current');
    await writeKeySet(SECRET_ARN, { keys: [key] });
    logger.info('signing key set initialised', { kid: key.kid });
    return key.kid;
  }
}

export const handler = async (event: CloudFormationCustomResourceEvent): Promise<void> => {
  const physicalResourceId = 'nimbus-signing-key-set';
  try {
    const kid = event.RequestType === 'Delete' ? 'deleted' : await ensureKeySet();
    await sendCfnResponse(event, { status: 'SUCCESS', physicalResourceId, data: { CurrentKid: kid } });
  } catch (error) {
    logger.error('signing key set initialisation failed', { error });
    await sendCfnResponse(event, { status: 'FAILED', physicalResourceId, reason: 'initialisation failed' });
  }
};
