import type { APIGatewayProxyEvent } from 'aws-lambda';
import { grants } from '../rbac.ts';

/** The caller as the authorizer described it in the request context. */
export interface Principal {
  readonly id: string;
  readonly kind: 'user' | 'api-key';
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly sessionId: string | null;
  readonly orgId: string | null;
  /**
   * When the user last typed their password (epoch seconds, the token's `auth_time`); `null` for
   * API keys and tokens without it. Step-up compares it with the clock.
   */
  readonly authTime: number | null;
}

/**
 * Splits a comma-separated list (authorizer context values, list-valued env vars), trimming each
 * entry and dropping empty ones: `"a, b,,"` is `["a", "b"]`. Anything but a string is empty.
 */
export function commaList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Reads the principal the Lambda authorizer put in the request context (context values are
 * strings, so lists travel comma-separated). `null` when the route was not authorized.
 */
export function principalFrom(event: APIGatewayProxyEvent): Principal | null {
  const ctx = event.requestContext?.authorizer;
  const id = ctx?.principalId;
  if (ctx === null || ctx === undefined || typeof id !== 'string' || id === '') return null;
  return {
    id,
    kind: ctx.kind === 'api-key' ? 'api-key' : 'user',
    roles: commaList(ctx.roles),
    permissions: commaList(ctx.permissions),
    sessionId: typeof ctx.sessionId === 'string' && ctx.sessionId !== '' ? ctx.sessionId : null,
    orgId: typeof ctx.orgId === 'string' && ctx.orgId !== '' ? ctx.orgId : null,
    authTime:
      typeof ctx.authTime === 'string' && /^\d{1,12}$/.test(ctx.authTime) ? Number(ctx.authTime) : null,
  };
}

/** Whether the principal holds `permission`, by the one rule of `rbac.ts`. */
export function hasPermission(principal: Principal, permission: string): boolean {
  return grants(principal.permissions, permission);
}
