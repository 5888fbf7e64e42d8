import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';
import { CONSENT_PURPOSES, DATA_CATEGORY_NAMES, LEGAL_BASES, PURPOSES } from './domain/consent-types.ts';

const legalBasis = z.enum(
  Object.keys(LEGAL_BASES) as [keyof typeof LEGAL_BASES, ...(keyof typeof LEGAL_BASES)[]],
);
const userIdParams = z.object({ userId: z.uuid() });
// Labels, not prose: nothing personal fits in them.
const label = (example: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, `a label of letters, digits, . _ - (e.g. ${example})`);

const entry = z.object({
  version: z.number().int(),
  at: z.string(),
  actor: z.string(),
  purpose: z.string(),
  granted: z.boolean(),
  policyVersion: z.string(),
  source: z.string(),
  ipHash: z.string().nullable(),
  userAgent: z.string().nullable(),
});
const purposeState = z.object({
  purpose: z.enum(PURPOSES),
  legalBasis,
  granted: z.boolean(),
  since: z.string().nullable(),
  policyVersion: z.string().nullable(),
  source: z.string().nullable(),
});
const notYours = {
  403: { description: "Someone else's consents, and the caller is no administrator (or is an API key)" },
  404: { description: 'No such person' },
} as const;

// The ledger, and the accounts (does the person exist?); Redis for the rate limits.
const readNeeds = ['events:read', 'app:read', 'redis'] as const;
const { publicRoute, principalRoute } = routeBuilders({ tags: ['gdpr'] });

export const consentTypes = publicRoute({
  id: 'gdpr.consentTypes',
  method: 'GET',
  path: '/v1/gdpr/consent-types',
  handler: 'functions/gdpr/handlers/consent-types.ts',
  summary:
    'The purposes personal data is used for: description, legal basis (GDPR art. 6), data categories, whether consent is asked; and the categories',
  needs: ['redis'],
  responses: {
    200: {
      description: 'The catalog (the same for everyone: a consent banner may show it before sign-in)',
      schema: z.object({
        items: z.array(
          z.object({
            purpose: z.enum(PURPOSES),
            description: z.string(),
            legalBasis,
            legalBasisText: z.string(),
            requiresConsent: z.boolean(),
            dataCategories: z.array(z.enum(DATA_CATEGORY_NAMES)),
          }),
        ),
        categories: z.array(z.object({ category: z.enum(DATA_CATEGORY_NAMES), description: z.string() })),
      }),
    },
  },
});

export const recordConsent = principalRoute({
  id: 'gdpr.recordConsent',
  method: 'POST',
  path: '/v1/gdpr/consents',
  handler: 'functions/gdpr/handlers/consent-record.ts',
  summary:
    "Record a person's grant or withdrawal for a purpose (theirs, or an administrator: anyone's), appended to an immutable ledger with time, actor, keyed hash of the IP and user agent; nothing can change or remove an entry",
  permission: 'gdpr:own',
  needs: ['events:append', 'app:read', 'redis'],
  request: {
    body: z.strictObject({
      userId: z.uuid(),
      purpose: z.enum(CONSENT_PURPOSES),
      granted: z.boolean(),
      policyVersion: label('2026-01'),
      source: label('settings'),
    }),
  },
  responses: {
    201: { description: 'Appended', schema: entry.extend({ userId: z.string() }) },
    400: { description: 'Unknown purpose, or one whose legal basis is not consent (`essential`)' },
    ...notYours,
  },
});

export const listConsents = principalRoute({
  id: 'gdpr.listConsents',
  method: 'GET',
  path: '/v1/gdpr/consents/{userId}',
  handler: 'functions/gdpr/handlers/consent-list.ts',
  summary:
    "A person's consents (mine, or an administrator: anyone's): where each purpose stands now (consent is opt-in: undecided is not granted) and the full history, newest first, paged",
  permission: 'gdpr:own',
  needs: readNeeds,
  request: {
    params: userIdParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      before: z.coerce.number().int().min(1).optional(),
    }),
  },
  responses: {
    200: {
      description: 'Current state per purpose, and one page of history (`next`: pass as `before`)',
      schema: z.object({
        userId: z.string(),
        purposes: z.array(purposeState),
        history: z.object({ items: z.array(entry), next: z.number().nullable() }),
      }),
    },
    ...notYours,
  },
});

export const checkConsent = principalRoute({
  id: 'gdpr.checkConsent',
  method: 'GET',
  path: '/v1/gdpr/consents/{userId}/check',
  handler: 'functions/gdpr/handlers/consent-check.ts',
  summary:
    'Whether a purpose is granted now (its latest entry decides), or a data category may be processed now: granted when a purpose using it is (a purpose whose basis is not consent, such as essential, always is); since and policyVersion come from the deciding entry',
  permission: 'gdpr:own',
  needs: readNeeds,
  request: {
    params: userIdParams,
    query: z
      .object({
        purpose: z.enum(PURPOSES).optional().describe('A purpose of the catalog (or category, not both)'),
        category: z
          .enum(DATA_CATEGORY_NAMES)
          .optional()
          .describe('A data category: granted when a purpose using it is granted now (or purpose, not both)'),
      })
      .refine((query) => (query.purpose === undefined) !== (query.category === undefined), {
        message: 'exactly one of purpose, category',
      }),
  },
  responses: {
    200: {
      description:
        '`since`: when the deciding entry was recorded (null when another legal basis or no entry decides); `grantedBy`: the purposes granting it now',
      schema: z.object({
        granted: z.boolean(),
        since: z.string().nullable(),
        policyVersion: z.string().nullable(),
        legalBasis: legalBasis.nullable(),
        grantedBy: z.array(z.enum(PURPOSES)),
      }),
    },
    400: { description: 'Neither or both of purpose and category, or an unknown one' },
    ...notYours,
  },
});

/** The consent ledger's routes. There is deliberately no route that changes or removes an entry. */
export const consentRoutes = [consentTypes, recordConsent, listConsents, checkConsent] as const;
