/**
 * The purposes Nimbus processes personal data for, each with its legal basis (GDPR art. 6(1)) and
 * the categories of data it uses. The consent ledger only records decisions on purposes whose basis
 * is consent; the others (the service itself) hold whatever the ledger says, and a category check
 * counts them (see `checkCategory` in `consents.ts`).
 *
 * The defaults follow art. 4(11) and 7: consent is opt-in, so a consent purpose nobody has decided on
 * is not granted (no pre-ticked box), and a withdrawal is as easy as a grant (the same route).
 */

/** The six bases of art. 6(1), points (a) to (f). */
export const LEGAL_BASES = {
  consent: 'Art. 6(1)(a): the person has given consent',
  contract: 'Art. 6(1)(b): necessary for the contract the person is party to',
  'legal-obligation': 'Art. 6(1)(c): necessary for a legal obligation',
  'vital-interests': 'Art. 6(1)(d): necessary to protect vital interests',
  'public-task': 'Art. 6(1)(e): necessary for a task in the public interest',
  'legitimate-interests': 'Art. 6(1)(f): necessary for legitimate interests',
} as const;
export type LegalBasis = keyof typeof LEGAL_BASES;

/** Kinds of personal data, as a check by category names them (`?category=behavioral`). */
export const DATA_CATEGORIES = {
  identity: 'Who the person is: name, email address, account id',
  contact: 'How to reach the person: email address, notification settings',
  technical: 'Network and device: IP address (keyed hash or truncated), user agent',
  behavioral: 'What the person does in the service: requests, features used, timings',
  preferences: 'What the person chose or what is inferred of their tastes: settings, interests',
} as const;
export type DataCategory = keyof typeof DATA_CATEGORIES;
export const DATA_CATEGORY_NAMES = Object.keys(DATA_CATEGORIES) as [DataCategory, ...DataCategory[]];

export interface ConsentType {
  readonly purpose: string;
  readonly description: string;
  readonly legalBasis: LegalBasis;
  readonly dataCategories: readonly DataCategory[];
}

/** The catalog. A purpose is never removed while the ledger may hold decisions on it. */
export const CONSENT_TYPES = [
  {
    purpose: 'essential',
    description:
      'Running the service the person signed up for: account, sign-in, security (rate limits, audit trail), support. Needs no consent and cannot be withdrawn short of closing the account.',
    legalBasis: 'contract',
    dataCategories: ['identity', 'contact', 'technical'],
  },
  {
    purpose: 'analytics',
    description: 'Measuring how the service is used (features, errors, performance) to improve it.',
    legalBasis: 'consent',
    dataCategories: ['behavioral', 'technical'],
  },
  {
    purpose: 'marketing',
    description: 'News, offers and product announcements sent to the person.',
    legalBasis: 'consent',
    dataCategories: ['identity', 'contact', 'preferences'],
  },
  {
    purpose: 'personalisation',
    description: 'Tailoring content, defaults and recommendations to how the person uses the service.',
    legalBasis: 'consent',
    dataCategories: ['behavioral', 'preferences'],
  },
  {
    purpose: 'third-party-sharing',
    description: 'Sharing data with named partners for their own purposes.',
    legalBasis: 'consent',
    dataCategories: ['identity', 'contact', 'behavioral'],
  },
] as const satisfies readonly ConsentType[];

export type Purpose = (typeof CONSENT_TYPES)[number]['purpose'];
/** The purposes a person decides on: those whose basis is consent. */
export type ConsentPurpose = Extract<(typeof CONSENT_TYPES)[number], { legalBasis: 'consent' }>['purpose'];

export const PURPOSES = CONSENT_TYPES.map((type) => type.purpose) as [Purpose, ...Purpose[]];
export const CONSENT_PURPOSES = CONSENT_TYPES.filter((type) => type.legalBasis === 'consent').map(
  (type) => type.purpose,
) as [ConsentPurpose, ...ConsentPurpose[]];

export function consentTypeOf(purpose: string): ConsentType | undefined {
  return CONSENT_TYPES.find((type) => type.purpose === purpose);
}

export function isConsentPurpose(purpose: string): purpose is ConsentPurpose {
  return (CONSENT_PURPOSES as readonly string[]).includes(purpose);
}

export function isDataCategory(category: string): category is DataCategory {
  return Object.hasOwn(DATA_CATEGORIES, category);
}

/** The purposes that use `category`. */
export function purposesCovering(category: DataCategory): readonly ConsentType[] {
  return CONSENT_TYPES.filter((type) => (type.dataCategories as readonly DataCategory[]).includes(category));
}
