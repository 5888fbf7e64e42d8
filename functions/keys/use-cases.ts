import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, NotFoundError } from '#shared/errors.ts';
import { hasPermission, type Principal } from '#shared/http/principal.ts';
import { generateApiKey } from '../auth/domain/api-keys.ts';
import type { KeyDeps } from './deps.ts';
import type { ApiKeyRecord } from './store/api-keys.ts';

export const publicKey = ({ hash: _hash, ownerId: _owner, orgId: _org, ...rest }: ApiKeyRecord) => rest;

/**
 * Creates an API key for the caller. A key can only carry permissions its creator holds
 * (no privilege escalation through keys), and an API key cannot mint further keys.
 */
export async function createKey(
  deps: KeyDeps,
  caller: Principal,
  input: { name: string; permissions: readonly string[]; expiresAt?: string | undefined },
  correlationId: string,
) {
  if (caller.kind === 'api-key')
    throw new ForbiddenError('API keys cannot create API keys; log in as a user.');
  const notHeld = input.permissions.filter((permission) => !hasPermission(caller, permission));
  if (notHeld.length > 0)
    throw new ForbiddenError(`You cannot delegate permissions you do not hold: ${notHeld.join(', ')}.`);
  const now = deps.now();
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now.getTime()) {
    throw new BadRequestError('expiresAt must be in the future.', [
      { path: 'body.expiresAt', message: 'must be in the future' },
    ]);
  }
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
  };
  await deps.keys.create(record);
  await deps.invalidateUser(caller.id);
  await deps.events.append({
    subject: `apikey:${record.id}`,
    type: 'security.apikey-created',
    actor: caller.id,
    correlationId,
    data: {
      name: record.name,
      permissions: record.permissions,
      expiresAt: record.expiresAt,
      prefix: record.prefix,
    },
  });
  return { ...publicKey(record), key: generated.key };
}

export async function revokeKey(
  deps: KeyDeps,
  caller: Principal,
  keyId: string,
  correlationId: string,
): Promise<void> {
  const record = await deps.keys.getById(caller.id, keyId);
  if (!record) throw new NotFoundError('No such API key.');
  await deps.keys.revoke(record.hash, deps.now().toISOString());
  await deps.invalidateUser(caller.id);
  await deps.events.append({
    subject: `apikey:${record.id}`,
    type: 'security.apikey-revoked',
    actor: caller.id,
    correlationId,
    data: { prefix: record.prefix },
  });
}
