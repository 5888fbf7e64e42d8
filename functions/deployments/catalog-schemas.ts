import * as z from 'zod';
import { hateoasMembers } from '#shared/http/hateoas.ts';
import { DRIVERS, ENVIRONMENT_TYPES, TARGET_KINDS } from './domain/model.ts';

/**
 * The catalog's request and response schemas, shared by the route rows (validation, OpenAPI) and
 * the representations' `_actions` (the input schema each action advertises): one schema, so the
 * advertised input is exactly what the route accepts. Structure here; the rules that depend on the
 * stage (loopback http, dry-run) or on several fields are the use cases'.
 */

/** Templates are capped at 64 KB (UTF-8): checked in bytes by the use case, in characters here. */
export const MAX_TEMPLATE_BYTES = 64 * 1024;
export const MAX_CONFIGURATION_KEYS = 100;

const name = z.string().trim().min(1).max(100);
const url = z.string().trim().min(1).max(2048);
/** A Secrets Manager secret ARN or name; only the reference is stored, it is never resolved here. */
const secretReference = z.string().trim().min(1).max(2048);

export const organizationCreate = z.strictObject({
  name,
  notificationUrl: url.optional(),
  notificationSecret: secretReference.optional(),
});
export const organizationUpdate = z.strictObject({
  name: name.optional(),
  notificationUrl: url.nullable().optional(),
  notificationSecret: secretReference.nullable().optional(),
});

export const environmentCreate = z.strictObject({ name, type: z.enum(ENVIRONMENT_TYPES) });

export const targetCreate = z.strictObject({
  name,
  kind: z.enum(TARGET_KINDS),
  driver: z.enum(DRIVERS),
  endpoint: url.optional(),
  credentialsSecret: secretReference.optional(),
});
export const targetUpdate = z.strictObject({
  name: name.optional(),
  kind: z.enum(TARGET_KINDS).optional(),
  driver: z.enum(DRIVERS).optional(),
  endpoint: url.nullable().optional(),
  credentialsSecret: secretReference.nullable().optional(),
});

const configuration = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'a name of letters, digits, _ . - (at most 64)'),
    z.string().max(1024),
  )
  .refine((value) => Object.keys(value).length <= MAX_CONFIGURATION_KEYS, {
    message: `at most ${MAX_CONFIGURATION_KEYS} keys`,
  });
const template = z.string().min(1).max(MAX_TEMPLATE_BYTES);

export const stackCreate = z.strictObject({
  name,
  description: z.string().trim().max(1000).default(''),
  template,
  configuration: configuration.default({}),
});
/** A new version: template and configuration in full (a version is a snapshot, not a patch). */
export const stackUpdate = z.strictObject({
  name: name.optional(),
  description: z.string().trim().max(1000).optional(),
  template,
  configuration,
});

export const applicationCreate = z.strictObject({
  name,
  image: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'an image reference (registry/name:tag or @digest)'),
  replicas: z.number().int().min(1).max(100),
});

/**
 * The body of a deployment request, as the stack's `deploy` action advertises it. The deployment
 * route (`POST /v1/stacks/{stackId}/deployments`) should validate with this very schema.
 */
export const deploymentRequest = z.strictObject({
  environmentId: z.uuid(),
  version: z.number().int().min(1).optional(),
});

// ---- responses -----------------------------------------------------------------------------------
const versioned = {
  orgId: z.string(),
  revision: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
};

export const organizationView = z.object({
  id: z.string(),
  name: z.string(),
  notificationUrl: z.string().nullable(),
  notificationSecret: z.string().nullable(),
  ...versioned,
  ...hateoasMembers,
});
export const environmentView = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(ENVIRONMENT_TYPES),
  ...versioned,
  ...hateoasMembers,
});
export const circuitView = z.object({
  state: z.enum(['closed', 'open', 'half-open']),
  failures: z.number().int(),
  openUntil: z.string().nullable(),
});
export const targetView = z.object({
  id: z.string(),
  environmentId: z.string(),
  name: z.string(),
  kind: z.enum(TARGET_KINDS),
  driver: z.enum(DRIVERS),
  endpoint: z.string().nullable(),
  credentialsSecret: z.string().nullable().describe('The Secrets Manager reference, never the secret'),
  circuit: circuitView.optional().describe("The target's circuit breaker (on the target's own resource)"),
  ...versioned,
  ...hateoasMembers,
});
export const stackView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  latestVersion: z.number().int(),
  template: z.string().optional().describe("The latest version's (on the stack's own resource)"),
  configuration: z.record(z.string(), z.string()).optional(),
  ...versioned,
  ...hateoasMembers,
});
export const stackVersionView = z.object({
  stackId: z.string(),
  version: z.number().int(),
  template: z.string(),
  configuration: z.record(z.string(), z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  ...hateoasMembers,
});
export const applicationView = z.object({
  id: z.string(),
  stackId: z.string(),
  name: z.string(),
  image: z.string(),
  replicas: z.number().int(),
  ...versioned,
  ...hateoasMembers,
});
