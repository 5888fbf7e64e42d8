import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '#shared/clients/secrets.ts';
import type { KeySet } from '../domain/jwt.ts';
import {
  keySetOfStages,
  parseStoredKey,
  STAGE_OF_STATUS,
  type StagedKey,
  type VersionStage,
} from '../domain/signing-key-versions.ts';

/** What `DescribeSecret` says about the signing-key secret. */
export interface SecretDescription {
  readonly rotationEnabled: boolean;
  /** When Secrets Manager will next rotate it; `null` without a rotation schedule. */
  readonly nextRotationAt: Date | null;
  /** Version id → its staging labels. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
}

/**
 * The signing-key secret as the rotation steps see it: versions and their labels, nothing more.
 * `functions/auth/store/signing-keys.ts` is the Secrets Manager adapter; tests bring a fake.
 */
export interface SigningKeySecret {
  describe(): Promise<SecretDescription>;
  /** The version's value when it exists *and* carries `stage`; `undefined` otherwise. */
  readVersion(versionId: string, stage: VersionStage): Promise<string | undefined>;
  /** The version carrying `stage` and its value; `undefined` when no version carries it. */
  readStage(stage: VersionStage): Promise<{ versionId: string; value: string } | undefined>;
  /** Creates the version `token` labelled `AWSPENDING` (idempotent on the token). */
  putPending(token: string, value: string): Promise<void>;
  /** Moves `AWSCURRENT` from `fromVersionId` to `toVersionId` (the old one becomes `AWSPREVIOUS`). */
  moveCurrent(toVersionId: string, fromVersionId: string): Promise<void>;
  /** Takes `AWSPENDING` off the version. */
  removePending(versionId: string): Promise<void>;
  /** Stores `value` as a new `AWSCURRENT` version (the deploy-time initialiser's first key). */
  putCurrent(value: string): Promise<void>;
  /** Asks Secrets Manager to rotate now through the rotation function; the new version's id. */
  rotate(token: string): Promise<{ versionId: string }>;
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof ResourceNotFoundException ||
    (error as Error | undefined)?.name === 'ResourceNotFoundException'
  );
}

/** The Secrets Manager adapter of `SigningKeySecret`. */
export function secretsManagerSigningKeySecret(secretId: string): SigningKeySecret {
  async function get(input: { VersionId?: string; VersionStage: VersionStage }) {
    try {
      const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, ...input }));
      // Checked here rather than trusted: the local emulator answers a VersionId with any stage.
      if (out.SecretString === undefined || out.VersionId === undefined) return undefined;
      if (!(out.VersionStages ?? []).includes(input.VersionStage)) return undefined;
      return { versionId: out.VersionId, value: out.SecretString };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  return {
    async describe() {
      const out = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
      return {
        rotationEnabled: out.RotationEnabled === true,
        nextRotationAt: out.NextRotationDate ?? null,
        versions: out.VersionIdsToStages ?? {},
      };
    },
    async readVersion(versionId, stage) {
      return (await get({ VersionId: versionId, VersionStage: stage }))?.value;
    },
    readStage: (stage) => get({ VersionStage: stage }),
    async putPending(token, value) {
      await secretsManager.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: value,
          VersionStages: ['AWSPENDING'],
        }),
      );
    },
    async moveCurrent(toVersionId, fromVersionId) {
      await secretsManager.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: toVersionId,
          RemoveFromVersionId: fromVersionId,
        }),
      );
    },
    async removePending(versionId) {
      await secretsManager.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: versionId,
        }),
      );
    },
    async putCurrent(value) {
      await secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
    },
    async rotate(token) {
      const out = await secretsManager.send(
        new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: token }),
      );
      return { versionId: out.VersionId ?? token };
    },
  };
}

/**
 * The staged keys: `AWSCURRENT`, `AWSPREVIOUS` and `AWSPENDING`, read in parallel (a missing
 * label is no error: a young secret has no previous key, and no pending one between rotations).
 * Only the current value must be a key: the previous one is the stateful stack's placeholder until
 * the first rotation, and a pending one may be whatever a failed rotation left (its `testSecret`
 * refuses it); neither may stop every container from verifying with the keys that are good.
 */
export async function readStagedKeys(secret: Pick<SigningKeySecret, 'readStage'>): Promise<StagedKey[]> {
  const statuses = Object.keys(STAGE_OF_STATUS) as StagedKey['status'][];
  const read = await Promise.all(
    statuses.map(async (status) => {
      const found = await secret.readStage(STAGE_OF_STATUS[status]);
      if (found === undefined) return undefined;
      try {
        return { versionId: found.versionId, status, key: parseStoredKey(found.value) };
      } catch (error) {
        if (status === 'current') throw error;
        return undefined;
      }
    }),
  );
  return read.filter((staged): staged is StagedKey => staged !== undefined);
}

/** The key set the keyring and the JWKS are built from: every staged key, validated. */
export async function readKeySet(secret: Pick<SigningKeySecret, 'readStage'>): Promise<KeySet> {
  return keySetOfStages(await readStagedKeys(secret));
}
