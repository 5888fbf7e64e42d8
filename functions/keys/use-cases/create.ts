import { randomUUID } from 'node:crypto';
import { InvalidInputError, NotPermittedError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { API_KEY_PERMISSIONS, grants, isApiKeyPermission } from '#shared/rbac.ts';
import type { KeyStepUpDeps } from '../deps.ts';
import { generateApiKey } from '../domain/api-keys.ts';
import type { ApiKeyRecord } from '../store/api-keys.ts';
import { appendKeyEvent } from './audit.ts';
import { publicKey } from './public-key.ts';

export interface NewKey {
  readonly name: string;
  readonly permissions: readonly string[];
  readonly expiresAt?: string | undefined;
  /** Step-up, unless the caller's password login is recent. */
  readonly password?: string | undefined;
}

/**
 * Creates an API key for the caller. A key carries only service permissions (`API_KEY_PERMISSIONS`:
 * it never acts on the person's own account), only ones its creator holds (no privilege escalation
 * through keys), and an API key cannot mint further keys. A key outlives sessions and logouts, so
 * minting one needs step-up: a stolen access token alone cannot.
 */
export async function createKey(
  deps: KeyStepUpDeps,
  caller: Principal,
  input: NewKey,
  correlationId: string,
  ip: string | null = null,
) {
  if (caller.kind === 'api-key')
    throw new NotPermittedError('API keys cannot create API keys; log in as a user.');
  // Checked before what the caller holds: such a permission is wrong whoever asks (400, not 403).
  const notForKeys = [...new Set(input.permissions.filter((permission) => !isApiKeyPermission(permission)))];
  if (notForKeys.length > 0) {
    throw new InvalidInputError(
      `An API key can only carry ${API_KEY_PERMISSIONS.join(', ')}; not ${notForKeys.join(', ')}.`,
      notForKeys.map((permission) => ({
        path: 'body.permissions',
        message: `${permission} cannot be carried by an API key`,
      })),
    );
  }
  const notHeld = input.permissions.filter((permission) => !grants(caller.permissions, permission));
  if (notHeld.length > 0)
    throw new NotPermittedError(`You cannot delegate permissions you do not hold: ${notHeld.join(', ')}.`);
  const now = deps.now();
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now.getTime()) {
    throw new InvalidInputError('expiresAt must be in the future.', [
      { path: 'body.expiresAt', message: 'must be in the future' },
    ]);
  }
  // After the checks of the request itself, so a malformed request spends no password attempt.
  await deps.confirmStepUp({ caller, password: input.password, via: 'keys-create', ip, correlationId });
  const generated = generateApiKey(deps.environment);
  const record: ApiKeyRecord = {
    id: randomUUID(),
    hash: generated.hash,
    ownerId: caller.id,
    orgId: caller.orgId ?? '',
    name: input.name,
    prefix: generated.prefix,
    permissions: [...new Set(input.permissions)].sort(),
    createdAt: now.toISOString(),
    expiresAt: input.expiresAt === undefined ? null : new Date(input.expiresAt).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
    generation: 0,
    rotatedAt: null,
    supersededAt: null,
    rotationEveryDays: null,
    secretToCollect: false,
  };
  await deps.keys.create(record);
  await deps.invalidateUser(caller.id);
  await appendKeyEvent(deps, record, 'security.apikey-created', caller.id, correlationId, {
    name: record.name,
    permissions: record.permissions,
    expiresAt: record.expiresAt,
  });
  return { ...publicKey(record), key: generated.key };
}
