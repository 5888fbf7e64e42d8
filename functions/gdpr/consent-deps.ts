import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { rateLimitConfigFromEnv } from '#shared/config/rate-limits.ts';
import { identifierKeyLoader, keyedIdentifier } from '#shared/ratelimit/identifiers.ts';
import { type ConsentLedger, eventStoreConsentLedger } from './store/consent-ledger.ts';

/**
 * The port through which the consent routes learn whether a person has an account. Identity owns
 * accounts, so the composition root (`functions/compose/gdpr-consents.ts`) plugs it in.
 */
export interface PersonDirectory {
  exists(userId: string): Promise<boolean>;
}

/** What reading a person's consents needs. */
export interface ConsentReadDeps {
  readonly ledger: Pick<ConsentLedger, 'all'>;
  readonly people: PersonDirectory;
}

/** Recording a decision: the ledger to append to and the hash that stands for the caller's IP. */
export interface ConsentWriteDeps {
  readonly ledger: Pick<ConsentLedger, 'append'>;
  readonly people: PersonDirectory;
  /** Keyed hash of an IP (see `#shared/ratelimit/identifiers.ts`): proof of origin without the address. */
  readonly hashIp: (ip: string) => Promise<string>;
}

export function consentLedger(): ConsentLedger {
  return eventStoreConsentLedger(dynamoEventStore(boundResource('eventsTable')));
}

// The rate limiter's HMAC key, bound to every rate-limited function (the consent routes are), under
// another context: the hash in the ledger never equals a rate-limit counter's name.
const identifierKey = identifierKeyLoader(rateLimitConfigFromEnv().identifierKey);

export async function hashIp(ip: string): Promise<string> {
  return keyedIdentifier(await identifierKey(), `consent-ip:${ip}`);
}
