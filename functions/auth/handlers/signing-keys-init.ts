import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sendCfnResponse } from '#shared/clients/cfn-response.ts';
import { readSecretString, secretsManager } from '#shared/clients/secrets.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { logger } from '#shared/observability.ts';
import { generateSigningKey, parseKeySet } from '../domain/jwt.ts';

const SECRET_ARN = boundResource('signingKeysSecret');

/**
 * Custom resource: makes sure the signing-key secret holds a valid key set. The first deploy
 * replaces the placeholder with one fresh ES256 key; later deploys leave existing keys alone
 * (rotation is the key-rotation job's business). Deleting the stack leaves the secret to its
 * own removal policy.
 */
export async function ensureKeySet(): Promise<string> {
  try {
    const existing = parseKeySet(await readSecretString(SECRET_ARN));
    return existing.keys.find((key) => key.status === 'current')?.kid ?? 'unknown';
  } catch {
    const key = await generateSigningKey(new Date(), 'current');
    await secretsManager.send(
      new PutSecretValueCommand({ SecretId: SECRET_ARN, SecretString: JSON.stringify({ keys: [key] }) }),
    );
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
