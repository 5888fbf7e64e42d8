import {
  checkKeySet,
  checkStoredSigningKey,
  createTokenIssuer,
  createTokenVerifier,
  type KeySet,
  parseKeyJson,
  type SigningKey,
  type StoredSigningKey,
} from './jwt.ts';

/**
 * How the signing keys live in Secrets Manager: one key per secret version, its status given by the
 * version's staging label. `AWSCURRENT` signs; `AWSPREVIOUS` (the key it replaced) and `AWSPENDING`
 * (the next one, published before it signs anything) only verify. A rotation moves the labels, so
 * after two rotations the oldest key carries no label and is gone from the set.
 */
export const STAGE_OF_STATUS = {
  current: 'AWSCURRENT',
  previous: 'AWSPREVIOUS',
  pending: 'AWSPENDING',
} as const satisfies Record<SigningKey['status'], string>;

export type VersionStage = (typeof STAGE_OF_STATUS)[SigningKey['status']];

export type { StoredSigningKey };

/** One staged version as read from the secret. */
export interface StagedKey {
  readonly versionId: string;
  readonly status: SigningKey['status'];
  readonly key: StoredSigningKey;
}

/** The value a version stores: the key without its status (the label says that). */
export function serializeStoredKey(key: StoredSigningKey): string {
  const { kid, alg, privateJwk, publicJwk, createdAt } = key;
  const value = JSON.stringify({ kid, alg, privateJwk, publicJwk, createdAt });
  parseStoredKey(value);
  return value;
}

/** The former format: an object whose `keys` is an array. */
function isLegacyKeySet(raw: unknown): boolean {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw) &&
    Array.isArray(Object.hasOwn(raw, 'keys') ? (raw as { keys: unknown }).keys : undefined)
  );
}

/**
 * Parses a version's value. A value in the former format (the whole set, `{ keys: [...] }`, as the
 * initialiser wrote it before rotation moved to version stages) is read as its current key: the
 * other keys of such a set were never signing, and the next rotation stores one key per version.
 * Errors name the problem, never the key material.
 */
export function parseStoredKey(json: string): StoredSigningKey {
  const raw = parseKeyJson(json, 'signing key');
  if (isLegacyKeySet(raw)) {
    const newestCurrent = checkKeySet(raw)
      .keys.filter((key) => key.status === 'current')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (newestCurrent === undefined) throw new Error('signing key set has no current key');
    const { status: _status, ...stored } = newestCurrent;
    return stored;
  }
  return checkStoredSigningKey(raw);
}

const PRIORITY: Readonly<Record<SigningKey['status'], number>> = { current: 0, pending: 1, previous: 2 };

/**
 * The in-memory key set of the staged versions. One version can carry two labels for a moment
 * (`AWSCURRENT` and `AWSPENDING` between a finish and the label's removal): a kid appears once,
 * with its strongest status. Throws when no version is current.
 */
export function keySetOfStages(staged: readonly StagedKey[]): KeySet {
  const byKid = new Map<string, SigningKey>();
  for (const { status, key } of [...staged].sort((a, b) => PRIORITY[a.status] - PRIORITY[b.status])) {
    if (!byKid.has(key.kid)) byKid.set(key.kid, { ...key, status });
  }
  const keySet = { keys: [...byKid.values()] };
  return checkKeySet(keySet);
}

/**
 * The version carrying `AWSPENDING` without `AWSCURRENT`, if any: a rotation under way (or one that
 * stopped half-way). Secrets Manager refuses `RotateSecret` in that state; so does Nimbus.
 */
export function pendingVersionOf(versions: Readonly<Record<string, readonly string[]>>): string | undefined {
  return Object.entries(versions).find(
    ([, stages]) => stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT'),
  )?.[0];
}

/** The version carrying `AWSCURRENT`. */
export function currentVersionOf(versions: Readonly<Record<string, readonly string[]>>): string | undefined {
  return Object.entries(versions).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
}

// Claims of the probe token: an issuer and audience no API accepts, so a probe is never a credential.
const PROBE = { issuer: 'urn:nimbus:signing-key-probe', audience: 'urn:nimbus:signing-key-probe' } as const;

/**
 * Signs a probe token with the key and verifies it with the key's public half alone, as `testSecret`
 * must before the key may sign anything real. Throws (a `TokenError`, or the import's error, neither
 * carrying key material) when the pair cannot do both.
 */
export async function probeSigningKey(key: StoredSigningKey, now: Date): Promise<void> {
  const clock = () => now.getTime();
  const keySet: KeySet = { keys: [{ ...key, status: 'current' }] };
  const { token } = await createTokenIssuer({ keySet, ...PROBE, ttlSeconds: 60, now: clock }).issue({
    sub: 'signing-key-probe',
    roles: [],
    permissions: [],
    session_id: 'signing-key-probe',
    org_id: null,
    auth_time: Math.floor(now.getTime() / 1000),
  });
  await createTokenVerifier({ keySet, ...PROBE, cacheSize: 0, now: clock }).verify(token);
}
