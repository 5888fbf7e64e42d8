import type { RetentionDays } from '../config.ts';

/**
 * THE data map: every place Nimbus can hold a person's data, in one declaration. Export, erasure
 * and retention walk it; `test/unit/gdpr/data-map.test.ts` fails when a table, an item kind of the
 * single-table layout or a Redis prefix exists in the code without an entry here.
 *
 * Rules: `erase` deletes the items; `anonymise` keeps the items and rewrites the named fields with
 * a strategy; `shred` destroys the person's data keys, so sealed fields become unreadable
 * everywhere at once (backups included) while the items stay in place as proof; `mask` means the
 * data is never written in clear (logs): nothing to erase later.
 */
export type Strategy = 'keyed-hash' | 'ip-truncate' | 'null';

export type Rule =
  | { readonly kind: 'erase' }
  | { readonly kind: 'anonymise'; readonly fields: Readonly<Record<string, Strategy>> }
  | { readonly kind: 'shred' }
  | { readonly kind: 'mask' };

/**
 * A retention class from the stage config (`gdpr.retentionDays`; `auditPersonal` is
 * `privacy.auditPersonalRetentionDays`, the life of a month's personal data keys), the account's
 * life, or a lifetime the data's own TTL bounds.
 */
export type RetentionClass = keyof RetentionDays | 'auditPersonal' | 'account' | 'ttl';

export type Location = 'app-table' | 'events-table' | 'personal-keys-table' | 'redis' | 'logs';

export interface DataMapEntry {
  /** Store id: names the adapter (`store/adapters.ts`) and the receipt's line. */
  readonly id: string;
  readonly location: Location;
  /** How one person's items are found, for a reader of this map (and of the receipt). */
  readonly locate: string;
  /** The personal fields held there. */
  readonly fields: readonly string[];
  readonly rule: Rule;
  readonly retention: RetentionClass;
  /**
   * The single-table key builders (`functions/shared/store/table-keys.ts`) of its items: the
   * data-map test checks every builder is claimed by an entry or declared free of personal data.
   */
  readonly keyBuilders?: readonly string[];
  /**
   * How the erasure reaches it: an adapter (a Map iteration of the workflow), the workflow's own
   * last step (the request itself), or nothing to do because it is masked at write.
   */
  readonly erasedBy: 'adapter' | 'workflow' | 'masking';
}

export const DATA_MAP: readonly DataMapEntry[] = [
  {
    id: 'account',
    location: 'app-table',
    locate: 'USER#<id> PROFILE, and the EMAIL#<email> claim read from it',
    fields: ['email', 'name', 'passwordHash', 'totp.secret', 'totp.backupCodes', 'roles', 'orgId'],
    rule: { kind: 'erase' },
    retention: 'account',
    keyBuilders: ['userKey', 'userByOrgKey', 'emailKey'],
    erasedBy: 'adapter',
  },
  {
    id: 'sessions',
    location: 'app-table',
    locate: 'USER#<id> SESSION#*, and the refresh tokens of the person (GSI1 OWNER#<id> REFRESH#*)',
    fields: ['ip', 'userAgent', 'sessionId', 'refresh token hashes'],
    rule: { kind: 'erase' },
    retention: 'sessions',
    keyBuilders: [
      'sessionKey',
      'sessionsOfUser',
      'refreshTokenKey',
      'refreshTokenByOwnerKey',
      'refreshTokensOfOwner',
    ],
    erasedBy: 'adapter',
  },
  {
    id: 'attempt-budgets',
    location: 'app-table',
    locate: 'USER#<id> BUDGET#*',
    fields: ['failures', 'lockedUntil'],
    rule: { kind: 'erase' },
    retention: 'account',
    keyBuilders: ['attemptBudgetKey'],
    erasedBy: 'adapter',
  },
  {
    id: 'api-keys',
    location: 'app-table',
    locate: 'GSI1 OWNER#<id> APIKEY#*: each secret, its by-id item and its rotation / expiry index items',
    fields: ['name', 'ownerId', 'secret hash', 'lastUsedAt'],
    rule: { kind: 'erase' },
    retention: 'account',
    keyBuilders: [
      'apiKeyKey',
      'apiKeyByOwnerKey',
      'supersededApiKeyByOwnerKey',
      'apiKeySecretsOf',
      'apiKeyIdKey',
      'apiKeyRotationDueKey',
      'apiKeyExpiryKey',
      'apiKeysOfOwner',
    ],
    erasedBy: 'adapter',
  },
  {
    id: 'exports',
    location: 'app-table',
    locate: 'GSI1 OWNER#<id> EXPORT#*: the export requests and their documents',
    fields: ['userId', 'document'],
    rule: { kind: 'erase' },
    retention: 'exports',
    keyBuilders: ['exportKey', 'exportByOwnerKey', 'exportsOfOwner'],
    erasedBy: 'adapter',
  },
  {
    id: 'erasure-requests',
    location: 'app-table',
    locate: 'ERASURE#<erasureId>, and the USER#<id> ERASURE marker of the open one',
    fields: ['userId', 'email'],
    // The request keeps only counts, hashes and the receipt once done.
    rule: { kind: 'anonymise', fields: { userId: 'null', email: 'null' } },
    retention: 'receipts',
    keyBuilders: ['erasureKey', 'erasureMarkerKey', 'openErasureIndexKey'],
    erasedBy: 'workflow',
  },
  {
    id: 'consent-ledger',
    location: 'events-table',
    locate: 'consent:<pseudonym> stream of the consent ledger',
    fields: ['ipHash', 'userAgent', 'source', 'actor'],
    rule: { kind: 'shred' },
    retention: 'auditPersonal',
    erasedBy: 'adapter',
  },
  {
    id: 'audit-trail',
    location: 'events-table',
    locate: 'user:<pseudonym> stream, and sealed `actor` / `data` fields of any event the person caused',
    fields: ['actor', 'data (email, ip, roles, session ids, ...)'],
    rule: { kind: 'shred' },
    retention: 'auditPersonal',
    erasedBy: 'adapter',
  },
  {
    id: 'redis',
    location: 'redis',
    locate:
      'keys naming the user id or a keyed hash of the email; per-user cache entries (functions/gdpr/domain/redis-keys.ts)',
    fields: ['cached responses', 'authorizer verdicts', 'rate-limit counters'],
    rule: { kind: 'erase' },
    retention: 'ttl',
    erasedBy: 'adapter',
  },
  {
    id: 'personal-keys',
    location: 'personal-keys-table',
    locate: 'PERSON#<pseudonym> *: one data key per person and month',
    fields: ['wrapped data keys'],
    // Deleting these IS the shredding of the audit trail and the consent ledger.
    rule: { kind: 'erase' },
    retention: 'auditPersonal',
    erasedBy: 'adapter',
  },
  {
    id: 'deployments',
    location: 'app-table',
    locate:
      'deployment-domain items (organisations, environments, targets, stacks and their versions, applications, deployments): who created or requested each',
    fields: ['createdBy', 'requestedBy'],
    // Pseudonymised at write (`user:~<pseudonym>`, as the audit trail keys a person): the user id is
    // never stored there, so an erasure has nothing to rewrite; deployment events hold no personal data.
    rule: { kind: 'mask' },
    retention: 'account',
    keyBuilders: [
      'organizationKey',
      'environmentKey',
      'environmentByOrgKey',
      'environmentsOfOrg',
      'targetKey',
      'targetByEnvironmentKey',
      'targetsOfEnvironment',
      'stackKey',
      'stackByOrgKey',
      'stacksOfOrg',
      'stackVersionKey',
      'stackVersionsOf',
      'lastGoodKey',
      'applicationKey',
      'applicationByStackKey',
      'applicationsOfStack',
      'deploymentKey',
      'deploymentByStackKey',
      'deploymentsOfStack',
      'deploymentEventKey',
      'deploymentEventsOf',
      'deploymentLockKey',
    ],
    erasedBy: 'masking',
  },
  {
    id: 'logs',
    location: 'logs',
    locate: 'function logs: emails, IPs and user ids are masked before a line is written',
    fields: ['email', 'ip', 'userId'],
    rule: { kind: 'mask' },
    retention: 'ttl',
    erasedBy: 'masking',
  },
];

/** Key builders of table-keys.ts whose items hold nothing about a person. */
export const NON_PERSONAL_KEY_BUILDERS: readonly string[] = ['HEALTH_KEY', 'timeRange'];

/** The entries the erasure workflow runs an adapter for, in the order the map gives. */
export const ERASED_STORES: readonly string[] = DATA_MAP.filter((e) => e.erasedBy === 'adapter').map(
  (e) => e.id,
);
