/**
 * The single-table layout of the app table, in one place: every item's `pk`/`sk` and every GSI1
 * key is built here, so two features can never pick colliding prefixes and a reader can see the
 * whole table's shape at once. Stores import the builders; nobody writes `USER#` by hand.
 *
 * | item            | pk                  | sk                   | gsi1pk           | gsi1sk            |
 * |-----------------|---------------------|----------------------|------------------|-------------------|
 * | user profile    | `USER#<id>`         | `PROFILE`            | `ORG#<orgId>`    | `USER#<id>`       |
 * | email claim     | `EMAIL#<email>`     | `EMAIL`              |                  |                   |
 * | session         | `USER#<id>`         | `SESSION#<id>`       |                  |                   |
 * | attempt budget  | `USER#<id>`         | `BUDGET#<name>`      |                  |                   |
 * | refresh token   | `REFRESH#<sha256>`  | `REFRESH`            | `OWNER#<userId>` | `REFRESH#<sessionId>#<sha256>` |
 * | API key secret  | `APIKEY#<sha256>`   | `APIKEY`             | `OWNER#<userId>` | `APIKEY#<keyId>`  |
 * | …superseded     | `APIKEY#<sha256>`   | `APIKEY`             | `OWNER#<userId>` | `APIKEY#<keyId>#<gen>` |
 * | API key by id   | `APIKEYID#<keyId>`  | `APIKEYID`           |                  |                   |
 * | rotation due    | `APIKEYDUE`         | `<dueAt>#<keyId>`    |                  |                   |
 * | key expiry      | `APIKEYEXPIRY`      | `<expiresAt>#<keyId>`|                  |                   |
 * | GDPR export     | `EXPORT#<id>`       | `EXPORT`             | `OWNER#<userId>` | `EXPORT#<id>`     |
 * | GDPR erasure    | `ERASURE#<id>`      | `ERASURE`            |                  |                   |
 * | …open marker    | `USER#<id>`         | `ERASURE`            |                  |                   |
 * | …open index     | `ERASUREOPEN`       | `<requestedAt>#<id>` |                  |                   |
 * | readiness probe | `HEALTH`            | `HEALTH`             |                  |                   |
 * | organisation    | `ORG#<orgId>`       | `ORG`                |                  |                   |
 * | environment     | `ENV#<envId>`       | `ENV`                | `ORG#<orgId>`    | `ENV#<envId>`     |
 * | target          | `TARGET#<id>`       | `TARGET`             | `ENV#<envId>`    | `TARGET#<id>`     |
 * | stack           | `STACK#<id>`        | `STACK`              | `ORG#<orgId>`    | `STACK#<id>`      |
 * | stack version   | `STACK#<id>`        | `VERSION#<000000n>`  |                  |                   |
 * | last good       | `STACK#<id>`        | `GOOD#<envId>`       |                  |                   |
 * | application     | `APP#<id>`          | `APP`                | `STACK#<stackId>`| `APP#<id>`        |
 * | deployment      | `DEPLOY#<id>`       | `DEPLOY`             | `STACK#<stackId>`| `DEPLOY#<createdAt>#<id>` |
 * | deployment event| `DEPLOY#<id>`       | `EVENT#<000000seq>`  |                  |                   |
 * | deployment lock | `LOCK#<stackId>#<envId>` | `LOCK`          |                  |                   |
 *
 * The deployment domain's ids are UUIDs; `ORG#` on GSI1 lists an organisation's users (`USER#`),
 * environments (`ENV#`) and stacks (`STACK#`), each query naming its prefix.
 */

export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}

export interface Gsi1Key {
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

const SESSION_PREFIX = 'SESSION#';
const APIKEY_PREFIX = 'APIKEY#';
const REFRESH_PREFIX = 'REFRESH#';

export const userKey = (userId: string): TableKey => ({ pk: `USER#${userId}`, sk: 'PROFILE' });

/** Lists an organisation's users. */
export const userByOrgKey = (orgId: string, userId: string): Gsi1Key => ({
  gsi1pk: `ORG#${orgId}`,
  gsi1sk: `USER#${userId}`,
});

/** The uniqueness claim on an email; callers pass it already normalised (lower-cased, trimmed). */
export const emailKey = (normalisedEmail: string): TableKey => ({
  pk: `EMAIL#${normalisedEmail}`,
  sk: 'EMAIL',
});

// Sessions live under their user, so listing a user's sessions is one query on pk.
export const sessionKey = (userId: string, sessionId: string): TableKey => ({
  pk: `USER#${userId}`,
  sk: `${SESSION_PREFIX}${sessionId}`,
});

/** Query condition values for every session of one user. */
export const sessionsOfUser = (userId: string) => ({ pk: `USER#${userId}`, skPrefix: SESSION_PREFIX });

/**
 * An account's budget of wrong attempts at one kind of secret (`second-factor`, `step-up`). Its
 * own item beside the profile, so counting a failure never races the profile's conditional writes.
 */
export const attemptBudgetKey = (userId: string, budget: string): TableKey => ({
  pk: `USER#${userId}`,
  sk: `BUDGET#${budget}`,
});

export const refreshTokenKey = (tokenHash: string): TableKey => ({
  pk: `${REFRESH_PREFIX}${tokenHash}`,
  sk: 'REFRESH',
});

/**
 * GSI1 entry listing a user's refresh tokens, by session (erasure and export find them here). It
 * shares `OWNER#<userId>` with the API keys: every owner query names its prefix (`APIKEY#`, `REFRESH#`).
 */
export const refreshTokenByOwnerKey = (userId: string, sessionId: string, tokenHash: string): Gsi1Key => ({
  gsi1pk: `OWNER#${userId}`,
  gsi1sk: `${REFRESH_PREFIX}${sessionId}#${tokenHash}`,
});

/** GSI1 query condition values for every refresh token of one user. */
export const refreshTokensOfOwner = (userId: string) => ({
  gsi1pk: `OWNER#${userId}`,
  gsi1skPrefix: REFRESH_PREFIX,
});

// The key's hash is the primary key: a lookup from an `x-api-key` header is one GetItem.
export const apiKeyKey = (keyHash: string): TableKey => ({ pk: `${APIKEY_PREFIX}${keyHash}`, sk: 'APIKEY' });

/**
 * GSI1 entry listing a user's keys, and finding one of them by id: the key's current secret. A
 * secret superseded by a rotation moves to `supersededApiKeyByOwnerKey`, so an exact query on
 * this one still finds one item, and a prefix query (`apiKeySecretsOf`) finds them all.
 */
export const apiKeyByOwnerKey = (ownerId: string, keyId: string): Gsi1Key => ({
  gsi1pk: `OWNER#${ownerId}`,
  gsi1sk: `${APIKEY_PREFIX}${keyId}`,
});

/** A superseded secret of a key; `generation` is the rotation count when it was issued. */
export const supersededApiKeyByOwnerKey = (ownerId: string, keyId: string, generation: number): Gsi1Key => ({
  gsi1pk: `OWNER#${ownerId}`,
  gsi1sk: `${APIKEY_PREFIX}${keyId}#${String(generation).padStart(6, '0')}`,
});

/** GSI1 query condition values for every secret (current and superseded) of one key. */
export const apiKeySecretsOf = (ownerId: string, keyId: string) => ({
  gsi1pk: `OWNER#${ownerId}`,
  gsi1skPrefix: `${APIKEY_PREFIX}${keyId}`,
});

/** Who owns a key, found by its id alone: what an administrator acting on any key starts from. */
export const apiKeyIdKey = (keyId: string): TableKey => ({ pk: `APIKEYID#${keyId}`, sk: 'APIKEYID' });

/**
 * Index items in one partition each, read by the daily jobs with one range query and written in
 * the same transaction as the key: the keys whose scheduled rotation is due by a time, and the keys
 * expiring within a window. Timestamps are ISO 8601 UTC (fixed width), so they sort as text.
 */
export const API_KEY_ROTATION_DUE_PK = 'APIKEYDUE';
export const API_KEY_EXPIRY_PK = 'APIKEYEXPIRY';
export const apiKeyRotationDueKey = (dueAt: string, keyId: string): TableKey => ({
  pk: API_KEY_ROTATION_DUE_PK,
  sk: `${dueAt}#${keyId}`,
});
export const apiKeyExpiryKey = (expiresAt: string, keyId: string): TableKey => ({
  pk: API_KEY_EXPIRY_PK,
  sk: `${expiresAt}#${keyId}`,
});
/** Sort-key bounds of the index items above for times in [from, to]: `#` < `$`. */
export const timeRange = (from: string, to: string) => ({ from: `${from}#`, to: `${to}$` });

/** GSI1 query condition values for every key of one owner. */
export const apiKeysOfOwner = (ownerId: string) => ({
  gsi1pk: `OWNER#${ownerId}`,
  gsi1skPrefix: APIKEY_PREFIX,
});

/** A GDPR export request and, once ready, its document. */
export const exportKey = (exportId: string): TableKey => ({ pk: `EXPORT#${exportId}`, sk: 'EXPORT' });
/** Lists a person's exports (the erasure removes them all). */
export const exportByOwnerKey = (userId: string, exportId: string): Gsi1Key => ({
  gsi1pk: `OWNER#${userId}`,
  gsi1sk: `EXPORT#${exportId}`,
});
export const exportsOfOwner = (userId: string) => ({ gsi1pk: `OWNER#${userId}`, gsi1skPrefix: 'EXPORT#' });

/** A GDPR erasure request, its progress and, at the end, its receipt. */
export const erasureKey = (erasureId: string): TableKey => ({ pk: `ERASURE#${erasureId}`, sk: 'ERASURE' });
/**
 * The one open erasure of a person, beside their profile: a conditional put makes a second request
 * find the first, and the erasure removes it with the rest of the person's partition.
 */
export const erasureMarkerKey = (userId: string): TableKey => ({ pk: `USER#${userId}`, sk: 'ERASURE' });
/** Open erasures by request time, one partition: the deadline watch reads it with one range query. */
export const OPEN_ERASURES_PK = 'ERASUREOPEN';
export const openErasureIndexKey = (requestedAt: string, erasureId: string): TableKey => ({
  pk: OPEN_ERASURES_PK,
  sk: `${requestedAt}#${erasureId}`,
});

/** A well-known key the readiness probe reads; it need not exist, the read proves the table answers. */
export const HEALTH_KEY: TableKey = Object.freeze({ pk: 'HEALTH', sk: 'HEALTH' });

// The deployment domain (functions/deployments/).
const pad6 = (n: number) => String(n).padStart(6, '0');
export const organizationKey = (orgId: string): TableKey => ({ pk: `ORG#${orgId}`, sk: 'ORG' });
export const environmentKey = (envId: string): TableKey => ({ pk: `ENV#${envId}`, sk: 'ENV' });
export const environmentByOrgKey = (orgId: string, envId: string): Gsi1Key => ({
  gsi1pk: `ORG#${orgId}`,
  gsi1sk: `ENV#${envId}`,
});
export const environmentsOfOrg = (orgId: string) => ({ gsi1pk: `ORG#${orgId}`, gsi1skPrefix: 'ENV#' });
export const targetKey = (targetId: string): TableKey => ({ pk: `TARGET#${targetId}`, sk: 'TARGET' });
export const targetByEnvironmentKey = (envId: string, targetId: string): Gsi1Key => ({
  gsi1pk: `ENV#${envId}`,
  gsi1sk: `TARGET#${targetId}`,
});
export const targetsOfEnvironment = (envId: string) => ({ gsi1pk: `ENV#${envId}`, gsi1skPrefix: 'TARGET#' });
export const stackKey = (stackId: string): TableKey => ({ pk: `STACK#${stackId}`, sk: 'STACK' });
export const stackByOrgKey = (orgId: string, stackId: string): Gsi1Key => ({
  gsi1pk: `ORG#${orgId}`,
  gsi1sk: `STACK#${stackId}`,
});
export const stacksOfOrg = (orgId: string) => ({ gsi1pk: `ORG#${orgId}`, gsi1skPrefix: 'STACK#' });
export const stackVersionKey = (stackId: string, version: number): TableKey => ({
  pk: `STACK#${stackId}`,
  sk: `VERSION#${pad6(version)}`,
});
export const stackVersionsOf = (stackId: string) => ({ pk: `STACK#${stackId}`, skPrefix: 'VERSION#' });
/** The last version that deployed successfully to an environment (what a rollback returns to). */
export const lastGoodKey = (stackId: string, envId: string): TableKey => ({
  pk: `STACK#${stackId}`,
  sk: `GOOD#${envId}`,
});
export const applicationKey = (appId: string): TableKey => ({ pk: `APP#${appId}`, sk: 'APP' });
export const applicationByStackKey = (stackId: string, appId: string): Gsi1Key => ({
  gsi1pk: `STACK#${stackId}`,
  gsi1sk: `APP#${appId}`,
});
export const applicationsOfStack = (stackId: string) => ({
  gsi1pk: `STACK#${stackId}`,
  gsi1skPrefix: 'APP#',
});
export const deploymentKey = (deploymentId: string): TableKey => ({
  pk: `DEPLOY#${deploymentId}`,
  sk: 'DEPLOY',
});
export const deploymentByStackKey = (stackId: string, createdAt: string, deploymentId: string): Gsi1Key => ({
  gsi1pk: `STACK#${stackId}`,
  gsi1sk: `DEPLOY#${createdAt}#${deploymentId}`,
});
export const deploymentsOfStack = (stackId: string) => ({
  gsi1pk: `STACK#${stackId}`,
  gsi1skPrefix: 'DEPLOY#',
});
export const deploymentEventKey = (deploymentId: string, seq: number): TableKey => ({
  pk: `DEPLOY#${deploymentId}`,
  sk: `EVENT#${pad6(seq)}`,
});
export const deploymentEventsOf = (deploymentId: string) => ({
  pk: `DEPLOY#${deploymentId}`,
  skPrefix: 'EVENT#',
});
/** One active deployment per stack + environment: a conditional put on this key. */
export const deploymentLockKey = (stackId: string, envId: string): TableKey => ({
  pk: `LOCK#${stackId}#${envId}`,
  sk: 'LOCK',
});
