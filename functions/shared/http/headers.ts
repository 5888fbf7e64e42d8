/** Header names lower-cased (API Gateway passes them as the client sent them); absent values dropped. */
export function lowerCaseHeaders(
  raw: Readonly<Record<string, string | undefined>> | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === null || raw === undefined) return out;
  // for-in over API Gateway's plain object: no entries array per request (hot path, bench §2).
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

/**
 * Security headers for a JSON API (no HTML is ever served, so the CSP forbids everything).
 * Written out rather than taken from @middy/http-security-headers, whose defaults target HTML
 * pages; see docs/decisions/0003-request-pipeline.md.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

export const CORS_EXPOSED_HEADERS = [
  'x-correlation-id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
  'Retry-After',
  'ETag',
].join(', ');

/** Request headers a browser may send cross-origin (answered to a preflight). */
export const CORS_ALLOWED_HEADERS = [
  'Content-Type',
  'Authorization',
  'X-Amz-Date',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
  'X-Correlation-Id',
  'If-None-Match',
].join(', ');

/** How long a browser may keep a preflight's answer (seconds). */
export const CORS_MAX_AGE_SECONDS = 3600;

/** CORS response headers for a request origin, given the allowed list (`*` allows any). */
export function corsHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  if (allowed.includes('*')) {
    return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS };
  }
  if (origin !== undefined && allowed.includes(origin)) {
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS,
      Vary: 'Origin',
    };
  }
  return { Vary: 'Origin' };
}

/**
 * One `Vary` from several: each list's names once, case-insensitively, in first-seen order. A
 * response that varies by credential and by origin must say both, or a shared cache may hand one
 * origin's copy (its Access-Control-Allow-Origin) to another.
 */
export function mergeVary(
  ...values: ReadonlyArray<string | number | boolean | undefined>
): string | undefined {
  const names = new Map<string, string>();
  for (const value of values) {
    if (value === undefined) continue;
    for (const name of String(value).split(',')) {
      const trimmed = name.trim();
      if (trimmed !== '' && !names.has(trimmed.toLowerCase())) names.set(trimmed.toLowerCase(), trimmed);
    }
  }
  return names.size > 0 ? [...names.values()].join(', ') : undefined;
}
