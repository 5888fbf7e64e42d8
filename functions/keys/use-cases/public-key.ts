import type { ApiKeyRecord } from '../store/api-keys.ts';

/**
 * What the owner may see of a key: never the hash, the owner/org are implied by who asks, and the
 * bookkeeping of its secrets stays inside.
 */
export const publicKey = ({
  hash: _hash,
  ownerId: _owner,
  orgId: _org,
  generation: _generation,
  supersededAt: _superseded,
  secretToCollect: _collect,
  ...rest
}: ApiKeyRecord) => rest;
