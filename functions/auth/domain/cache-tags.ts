/**
 * Cache tag of everything derived from the signing key set (the JWKS response). Whoever changes
 * the key set invalidates it, so the change shows in every container's next response.
 */
export const SIGNING_KEYS_TAG = 'signing-keys';
