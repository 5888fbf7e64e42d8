import * as z from 'zod';
import { hasPermission, type Principal } from './principal.ts';
import type { HttpMethod } from './route.ts';

/**
 * HATEOAS members of a resource's representation: `_links` (where the resource, its parent and
 * its related collections are) and `_actions` (what this caller may do with it now, each with the
 * JSON schema of its input). Hrefs are absolute paths (`/v1/stacks/{id}`), no host: the API is
 * reachable under more than one (custom domain, execute-api), and a path resolves against either.
 */
export interface Link {
  readonly href: string;
}

export interface Action {
  readonly name: string;
  readonly method: HttpMethod;
  readonly href: string;
  /** JSON schema of the request body, when the action takes one. */
  readonly schema?: Readonly<Record<string, unknown>>;
}

/** An action the representation may offer: offered when the caller holds `permission` and `allowed` holds. */
export interface ActionSpec {
  readonly name: string;
  readonly method: HttpMethod;
  readonly href: string;
  readonly permission: string;
  /** The resource's state allows it now. @default true */
  readonly allowed?: boolean;
  /** The request body's schema (the same zod schema the route validates with). */
  readonly body?: z.ZodType;
}

/** `{ self: '/v1/x' }` → `{ self: { href: '/v1/x' } }`; `undefined` entries are left out. */
export function links(hrefs: Readonly<Record<string, string | undefined>>): Record<string, Link> {
  const out: Record<string, Link> = {};
  for (const [rel, href] of Object.entries(hrefs)) if (href !== undefined) out[rel] = { href };
  return out;
}

// A schema's JSON form is the same every time: converted once per schema per container.
const jsonSchemas = new WeakMap<z.ZodType, Readonly<Record<string, unknown>>>();

export function jsonSchemaOf(schema: z.ZodType): Readonly<Record<string, unknown>> {
  let json = jsonSchemas.get(schema);
  if (json === undefined) {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    jsonSchemas.set(schema, json);
  }
  return json;
}

/** The actions of `specs` this principal may take now, in the order given. */
export function actions(principal: Principal, specs: readonly ActionSpec[]): Action[] {
  return specs
    .filter((spec) => spec.allowed !== false && hasPermission(principal, spec.permission))
    .map(({ name, method, href, body }) => ({
      name,
      method,
      href,
      ...(body === undefined ? {} : { schema: jsonSchemaOf(body) }),
    }));
}

/** A path segment from an id, so an id can never add segments or a query to an href. */
export const seg = (id: string | number): string => encodeURIComponent(String(id));

export const linkSchema = z.object({ href: z.string() });
export const actionSchema = z.object({
  name: z.string(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  href: z.string(),
  schema: z.record(z.string(), z.unknown()).optional(),
});
/** The members every HATEOAS representation adds. */
export const hateoasMembers = {
  _links: z.record(z.string(), linkSchema),
  _actions: z.array(actionSchema),
};
