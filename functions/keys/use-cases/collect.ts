import { open } from '#shared/crypto-box.ts';
import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { CollectKeyDeps } from '../deps.ts';
import { managedKey } from './access.ts';
import { appendKeyEvent } from './audit.ts';
import { publicKey } from './public-key.ts';
import { sealedSecretAad } from './rotate.ts';

const NOTHING_WAITING = 'No rotated secret is waiting for this key.';

/**
 * Hands out, once, the secret a scheduled rotation left for the key's owner: it is removed in the
 * same conditional write that reads it, so two concurrent requests cannot both get it. It hands out
 * a secret, so it needs step-up as creation does; audited, with the prefix only.
 */
export async function collectRotatedSecret(
  deps: CollectKeyDeps,
  caller: Principal,
  keyId: string,
  input: { readonly password?: string | undefined },
  correlationId: string,
  ip: string | null = null,
) {
  const { current } = await managedKey(deps, caller, keyId);
  // Before step-up: asking when nothing waits spends no password attempt.
  if (!current.secretToCollect) throw new ResourceNotFoundError(NOTHING_WAITING);
  await deps.confirmStepUp({ caller, password: input.password, via: 'keys-collect', ip, correlationId });
  const sealed = await deps.keys.takeSecretToCollect(current.hash);
  if (sealed === undefined) throw new ResourceNotFoundError(NOTHING_WAITING);
  const key = open(sealed, await deps.sealingKey(), sealedSecretAad(current));
  await appendKeyEvent(
    deps,
    current,
    'security.apikey-rotated-secret-collected',
    caller.id,
    correlationId,
    current.ownerId === caller.id ? {} : { ownerId: current.ownerId },
  );
  return { ...publicKey(current), key };
}
