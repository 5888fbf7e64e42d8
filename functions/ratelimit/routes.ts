import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';
import { SCOPES } from '#shared/ratelimit/scopes.ts';

const scopeNames = Object.keys(SCOPES) as [keyof typeof SCOPES, ...(keyof typeof SCOPES)[]];
const params = z.object({
  scope: z.enum(scopeNames),
  // `ip:<ip>`, `p:<principal id>`, `ip:<ip>|acct:<email>` or `acct:<email>`, URL-encoded in the path.
  identifier: z
    .string()
    .transform((raw) => {
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    })
    .pipe(
      z
        .string()
        .regex(
          /^(ip|p|acct):[^\s]{1,300}$/,
          'ip:<ip>, p:<principal id>, ip:<ip>|acct:<email> or acct:<email>',
        ),
    ),
});
const { principalRoute } = routeBuilders({ tags: ['admin'] });

export const inspectLimit = principalRoute({
  id: 'ratelimit.inspect',
  method: 'GET',
  path: '/v1/admin/rate-limits/{scope}/{identifier}',
  handler: 'functions/ratelimit/handlers/inspect.ts',
  permission: 'ratelimit:admin',
  needs: ['redis'],
  request: { params },
  summary: 'Remaining requests and reset time of an identifier in a scope',
  responses: {
    200: {
      description: 'State',
      schema: z.object({
        scope: z.string(),
        identifier: z.string(),
        limit: z.number(),
        remaining: z.number(),
        reset: z.iso.datetime(),
      }),
    },
    503: { description: 'Redis is unreachable' },
  },
});

export const resetLimit = principalRoute({
  id: 'ratelimit.reset',
  method: 'DELETE',
  path: '/v1/admin/rate-limits/{scope}/{identifier}',
  handler: 'functions/ratelimit/handlers/reset.ts',
  permission: 'ratelimit:admin',
  needs: ['redis', 'events:append'],
  request: { params },
  summary: 'Reset an identifier in a scope (audited)',
  responses: { 204: { description: 'Reset' }, 503: { description: 'Redis is unreachable' } },
});

export const rateLimitRoutes = [inspectLimit, resetLimit] as const;
