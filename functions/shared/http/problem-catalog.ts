/**
 * Every problem type Nimbus answers with, once: the functions' errors (`errors.ts`, the domain
 * error table in `problem.ts`) and API Gateway's own responses (`lib/constructs/gateway-responses.ts`)
 * take slug, title and status from here, so a client sees one vocabulary whoever answered.
 * Kept free of other imports: the CDK app reads it too.
 */
export const PROBLEM_BASE = 'https://nimbus.dev/problems/';

/** One problem type: `type` is `PROBLEM_BASE + slug`. */
export interface ProblemKind {
  readonly slug: string;
  readonly title: string;
  readonly status: number;
}

/** Keyed by slug, so that no slug can be listed twice. */
const CATALOG = {
  'bad-request': { title: 'Bad Request', status: 400 },
  'validation-failed': { title: 'Request validation failed', status: 400 },
  unauthorized: { title: 'Unauthorized', status: 401 },
  forbidden: { title: 'Forbidden', status: 403 },
  'not-found': { title: 'Not Found', status: 404 },
  'method-not-allowed': { title: 'Method Not Allowed', status: 405 },
  conflict: { title: 'Conflict', status: 409 },
  'precondition-failed': { title: 'Precondition Failed', status: 412 },
  'payload-too-large': { title: 'Payload Too Large', status: 413 },
  'unsupported-media-type': { title: 'Unsupported Media Type', status: 415 },
  'rate-limited': { title: 'Too Many Requests', status: 429 },
  internal: { title: 'Internal Server Error', status: 500 },
  'bad-gateway': { title: 'Bad Gateway', status: 502 },
  'service-unavailable': { title: 'Service Unavailable', status: 503 },
} as const satisfies Record<string, Omit<ProblemKind, 'slug'>>;

export type ProblemSlug = keyof typeof CATALOG;

export const PROBLEM_SLUGS = Object.keys(CATALOG) as readonly ProblemSlug[];

export function problemKind(slug: ProblemSlug): ProblemKind {
  return { slug, ...CATALOG[slug] };
}

/** The `type` URI of a slug (a catalog slug, or a refinement such as `invalid-credentials`). */
export function problemTypeUri(slug: string): string {
  return `${PROBLEM_BASE}${slug}`;
}
