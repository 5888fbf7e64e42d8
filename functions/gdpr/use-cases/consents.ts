import { InvalidInputError, ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { ConsentReadDeps, ConsentWriteDeps, PersonDirectory } from '../consent-deps.ts';
import { assertMayActOn } from '../domain/access.ts';
import {
  CONSENT_TYPES,
  consentTypeOf,
  DATA_CATEGORIES,
  type DataCategory,
  isConsentPurpose,
  LEGAL_BASES,
  type Purpose,
} from '../domain/consent-types.ts';
import {
  type ConsentAnswer,
  type ConsentEntry,
  checkCategory,
  checkPurpose,
  currentState,
  type PurposeState,
  readEntry,
} from '../domain/consents.ts';

/** The catalog: each purpose with its legal basis and data categories, and what each category holds. */
export function consentTypes() {
  return {
    items: CONSENT_TYPES.map((type) => ({
      purpose: type.purpose,
      description: type.description,
      legalBasis: type.legalBasis,
      legalBasisText: LEGAL_BASES[type.legalBasis],
      requiresConsent: type.legalBasis === 'consent',
      dataCategories: [...type.dataCategories],
    })),
    categories: Object.entries(DATA_CATEGORIES).map(([category, description]) => ({ category, description })),
  };
}

/** Who is asking, as far as the request tells: kept as evidence with the decision. */
export interface ConsentClient {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly correlationId: string;
}

export interface RecordConsentInput {
  readonly userId: string;
  readonly purpose: string;
  readonly granted: boolean;
  readonly policyVersion: string;
  readonly source: string;
}

// A user agent is evidence, not a payload: long enough for any real browser's.
const MAX_USER_AGENT = 512;

/** Permission first, existence second: nobody learns whether someone else has an account. */
async function personFor(people: PersonDirectory, caller: Principal, userId: string): Promise<void> {
  assertMayActOn(caller, userId);
  if (!(await people.exists(userId))) throw new ResourceNotFoundError('No such person.');
}

/**
 * Appends a grant or a withdrawal to the person's ledger, with when, who (`actor`), the keyed hash
 * of the caller's IP and their user agent. Only purposes based on consent can be decided on.
 */
export async function recordConsent(
  deps: ConsentWriteDeps,
  caller: Principal,
  input: RecordConsentInput,
  client: ConsentClient,
): Promise<ConsentEntry & { readonly userId: string }> {
  const type = consentTypeOf(input.purpose);
  if (type === undefined) {
    throw new InvalidInputError('Unknown purpose.', [
      { path: 'body.purpose', message: 'not a purpose of GET /v1/gdpr/consent-types' },
    ]);
  }
  const purpose = type.purpose;
  if (!isConsentPurpose(purpose)) {
    throw new InvalidInputError(`${purpose} rests on ${type.legalBasis}, not on consent.`, [
      { path: 'body.purpose', message: 'nothing to grant or withdraw: its legal basis is not consent' },
    ]);
  }
  await personFor(deps.people, caller, input.userId);
  const decision = {
    purpose,
    granted: input.granted,
    policyVersion: input.policyVersion,
    source: input.source,
  };
  const evidence = {
    ipHash: client.ip === null ? null : await deps.hashIp(client.ip),
    userAgent: client.userAgent ? client.userAgent.slice(0, MAX_USER_AGENT) : null,
  };
  const event = await deps.ledger.append({
    userId: input.userId,
    decision,
    evidence,
    actor: caller.id,
    correlationId: client.correlationId,
  });
  return {
    userId: input.userId,
    version: event.version,
    at: event.at,
    actor: event.actor,
    ...decision,
    ...evidence,
  };
}

async function entriesOf(deps: ConsentReadDeps, userId: string) {
  const events = await deps.ledger.all(userId);
  const entries = events.map(readEntry).filter((entry): entry is ConsentEntry => entry !== undefined);
  return { events, entries };
}

export interface ConsentOverview {
  readonly userId: string;
  readonly purposes: readonly PurposeState[];
  readonly history: {
    /** Newest first; an entry whose data no longer opens is left out, but keeps its place in the paging. */
    readonly items: readonly ConsentEntry[];
    /** Pass as `before` for the next (older) page; `null` when this page is the last. */
    readonly next: number | null;
  };
}

/** Where each purpose stands now, and one page of the full history (newest first). */
export async function consentOverview(
  deps: ConsentReadDeps,
  caller: Principal,
  userId: string,
  page: { readonly limit: number; readonly before?: number | undefined },
): Promise<ConsentOverview> {
  await personFor(deps.people, caller, userId);
  const { events, entries } = await entriesOf(deps, userId);
  const before = page.before;
  const slice = events.filter((event) => before === undefined || event.version < before).slice(0, page.limit);
  const oldest = slice.at(-1);
  const versions = new Set(slice.map((event) => event.version));
  return {
    userId,
    purposes: currentState(entries),
    history: {
      items: entries.filter((entry) => versions.has(entry.version)),
      next: slice.length === page.limit && oldest !== undefined && oldest.version > 1 ? oldest.version : null,
    },
  };
}

/** One question: a purpose, or a category of data; exactly one. */
export interface ConsentQuestion {
  readonly purpose?: Purpose | undefined;
  readonly category?: DataCategory | undefined;
}

/** Whether the person's data may be used for a purpose, or a category of it processed, now. */
export async function checkConsent(
  deps: ConsentReadDeps,
  caller: Principal,
  userId: string,
  question: ConsentQuestion,
): Promise<ConsentAnswer> {
  const { purpose, category } = question;
  const ask =
    purpose !== undefined && category === undefined
      ? (states: readonly PurposeState[]) => checkPurpose(states, purpose)
      : category !== undefined && purpose === undefined
        ? (states: readonly PurposeState[]) => checkCategory(states, category)
        : undefined;
  if (ask === undefined) {
    throw new InvalidInputError('Ask about exactly one of purpose and category.', [
      { path: 'query', message: 'exactly one of purpose, category' },
    ]);
  }
  await personFor(deps.people, caller, userId);
  return ask(currentState((await entriesOf(deps, userId)).entries));
}
