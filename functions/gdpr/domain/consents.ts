import * as z from 'zod';
import {
  CONSENT_TYPES,
  type ConsentPurpose,
  type DataCategory,
  type LegalBasis,
  type Purpose,
  purposesCovering,
} from './consent-types.ts';

/** Event types of the ledger: a grant and a withdrawal are both appended, never changed. */
export const CONSENT_EVENT_TYPES = { granted: 'consent.granted', withdrawn: 'consent.withdrawn' } as const;

/** A person's decision on one purpose, as the caller states it. */
export interface ConsentDecision {
  readonly purpose: ConsentPurpose;
  readonly granted: boolean;
  /** The version of the privacy policy the person saw (`2026-01`, `v3.1`). */
  readonly policyVersion: string;
  /** Where the decision was taken (`signup-form`, `settings`, `banner`). */
  readonly source: string;
}

/** What the ledger stores of a decision besides the decision itself (the proof of who and how). */
export interface ConsentEvidence {
  /** Keyed hash of the caller's IP (`consentIpHash`), never the IP; `null` when unknown. */
  readonly ipHash: string | null;
  readonly userAgent: string | null;
}

/** One ledger entry, readable. */
export interface ConsentEntry extends ConsentEvidence {
  /** Position in the person's ledger, from 1, no gaps. */
  readonly version: number;
  readonly at: string;
  /** Who recorded it: the person, or an administrator acting for them. */
  readonly actor: string;
  /** A purpose of the catalog at the time; kept as written, whatever the catalog says since. */
  readonly purpose: string;
  readonly granted: boolean;
  readonly policyVersion: string;
  readonly source: string;
}

// A keyed identifier (`#shared/ratelimit/identifiers.ts`): 22 base64url characters.
const KEYED_HASH = /^[A-Za-z0-9_-]{22}$/;

// Read by type only, never by comparing a value with a marker: a decision whose policy version or
// user agent happens to read `erased` is still a decision. Sealed or shredded data (issue 11) does not
// parse: `granted` is no longer a boolean, or the fields are gone.
const entryData = z.object({
  purpose: z.string().min(1),
  granted: z.boolean(),
  policyVersion: z.string().min(1),
  source: z.string().min(1),
  ipHash: z.string().regex(KEYED_HASH).nullable(),
  userAgent: z.string().nullable(),
});

/** The parts of a stored audit event the ledger reads. */
export interface LedgerEvent {
  readonly version: number;
  readonly type: string;
  readonly actor: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The entry an event holds, or `undefined` when its data no longer opens (shredded, or not a
 * consent decision at all): such an entry still counts as proof that something was decided then,
 * but says nothing about what.
 */
export function readEntry(event: LedgerEvent): ConsentEntry | undefined {
  const data = entryData.safeParse(event.data);
  if (!data.success) return undefined;
  const expectedType = data.data.granted ? CONSENT_EVENT_TYPES.granted : CONSENT_EVENT_TYPES.withdrawn;
  if (event.type !== expectedType) return undefined;
  return { version: event.version, at: event.at, actor: event.actor, ...data.data };
}

/** Where a purpose stands for one person now. */
export interface PurposeState {
  readonly purpose: Purpose;
  readonly legalBasis: LegalBasis;
  readonly granted: boolean;
  /** When the latest decision was recorded; `null` for a purpose not based on consent, or never decided. */
  readonly since: string | null;
  readonly policyVersion: string | null;
  readonly source: string | null;
}

/**
 * Each purpose of the catalog, from the person's entries (newest first): a consent purpose is what
 * its latest entry says, and not granted before any (consent is opt-in); a purpose on another basis
 * is granted by that basis, whatever the ledger says.
 */
export function currentState(newestFirst: readonly ConsentEntry[]): PurposeState[] {
  return CONSENT_TYPES.map((type): PurposeState => {
    const base = { purpose: type.purpose, legalBasis: type.legalBasis };
    if (type.legalBasis !== 'consent') {
      return { ...base, granted: true, since: null, policyVersion: null, source: null };
    }
    const latest = newestFirst.find((entry) => entry.purpose === type.purpose);
    return {
      ...base,
      granted: latest?.granted ?? false,
      since: latest?.at ?? null,
      policyVersion: latest?.policyVersion ?? null,
      source: latest?.source ?? null,
    };
  });
}

/** The answer of a consent check. */
export interface ConsentAnswer {
  readonly granted: boolean;
  /** When the deciding entry was recorded; `null` when no entry decides (another legal basis, or none yet). */
  readonly since: string | null;
  readonly policyVersion: string | null;
  /** The basis processing rests on now; `null` when not granted. */
  readonly legalBasis: LegalBasis | null;
  /** The purposes that grant it now. */
  readonly grantedBy: readonly Purpose[];
}

const NOT_DECIDED = { since: null, policyVersion: null } as const;

function latestOf(states: readonly PurposeState[]): PurposeState | undefined {
  let latest: PurposeState | undefined;
  for (const state of states) {
    if (state.since !== null && (latest?.since == null || state.since > latest.since)) latest = state;
  }
  return latest;
}

/** A purpose: its latest entry decides (see `currentState`). */
export function checkPurpose(states: readonly PurposeState[], purpose: Purpose): ConsentAnswer {
  const state = states.find((s) => s.purpose === purpose);
  if (state === undefined) return { granted: false, ...NOT_DECIDED, legalBasis: null, grantedBy: [] };
  return {
    granted: state.granted,
    since: state.since,
    policyVersion: state.policyVersion,
    legalBasis: state.granted ? state.legalBasis : null,
    grantedBy: state.granted ? [state.purpose] : [],
  };
}

/**
 * A category of data may be processed when at least one purpose using it is granted now: a purpose
 * on a basis other than consent (`essential`: contract) always is, a consent purpose when its latest
 * entry grants it. When a non-consent purpose grants it, no entry decides (`since` is null); else
 * `since` and `policyVersion` come from the most recent entry among the purposes that decide: the
 * granting ones, or, when none grants, every consent purpose using the category (its latest
 * withdrawal).
 */
export function checkCategory(states: readonly PurposeState[], category: DataCategory): ConsentAnswer {
  const covering = new Set(purposesCovering(category).map((type) => type.purpose));
  const relevant = states.filter((state) => covering.has(state.purpose));
  const granting = relevant.filter((state) => state.granted);
  const grantedBy = granting.map((state) => state.purpose);
  const byOtherBasis = granting.find((state) => state.legalBasis !== 'consent');
  if (byOtherBasis !== undefined) {
    return { granted: true, ...NOT_DECIDED, legalBasis: byOtherBasis.legalBasis, grantedBy };
  }
  const decider = latestOf(granting.length > 0 ? granting : relevant);
  return {
    granted: granting.length > 0,
    since: decider?.since ?? null,
    policyVersion: decider?.policyVersion ?? null,
    legalBasis: granting.length > 0 ? 'consent' : null,
    grantedBy,
  };
}
