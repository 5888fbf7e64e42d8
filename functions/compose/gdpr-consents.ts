import { boundResource } from '#shared/config/bindings.ts';
import { dynamoUserStore } from '../auth/store/users.ts';
import {
  type ConsentReadDeps,
  type ConsentWriteDeps,
  consentLedger,
  hashIp,
  type PersonDirectory,
} from '../gdpr/consent-deps.ts';

/**
 * The composition root of the consent routes: the GDPR feature with identity's accounts plugged
 * into its `PersonDirectory` port (reads only), so neither feature imports the other
 * (docs/decisions/0007-feature-boundaries.md).
 */
function people(): PersonDirectory {
  const users = dynamoUserStore(boundResource('appTable'));
  return { exists: async (userId) => (await users.get(userId)) !== undefined };
}

export function consentReadDeps(): ConsentReadDeps {
  return { ledger: consentLedger(), people: people() };
}

export function consentWriteDeps(): ConsentWriteDeps {
  return { ledger: consentLedger(), people: people(), hashIp };
}
