import type { ApiKeyRecord } from '../store/api-keys.ts';

/** What the owner may see of a key: never the hash, and the owner/org are implied by who asks. */
export const publicKey = ({ hash: _hash, ownerId: _owner, orgId: _org, ...rest }: ApiKeyRecord) => rest;
