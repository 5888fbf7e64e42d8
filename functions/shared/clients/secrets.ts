import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traced } from '../observability.ts';

export const secretsManager = traced(new SecretsManagerClient({ maxAttempts: 3 }));

/** Reads a secret's current string value. */
export async function readSecretString(secretId: string, versionStage = 'AWSCURRENT'): Promise<string> {
  const out = await secretsManager.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: versionStage }),
  );
  if (out.SecretString === undefined) throw new Error(`Secret ${secretId} has no string value`);
  return out.SecretString;
}
