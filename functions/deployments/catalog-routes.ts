import * as z from 'zod';
import { pageQuery, pageSchema } from '#shared/http/pagination.ts';
import { routeBuilders } from '#shared/http/route.ts';
import {
  applicationCreate,
  applicationView,
  environmentCreate,
  environmentView,
  organizationCreate,
  organizationUpdate,
  organizationView,
  stackCreate,
  stackUpdate,
  stackVersionView,
  stackView,
  targetCreate,
  targetUpdate,
  targetView,
} from './catalog-schemas.ts';

/**
 * The catalog: organisations, environments, targets, stacks (versioned) and applications. Every
 * route is org-scoped: another organisation's resources answer 404, exactly like missing ones.
 * Single resources carry `ETag: "<revision>"`; updates take `If-Match` (412 when it names an old
 * revision; without it, a concurrent change is a retryable 409, never a lost update).
 */
const READ = 'deployments:read';
const WRITE = 'deployments:write';
// The app table, the stage's deployment settings (validation), the data key (the pseudonym in
// `createdBy`), Redis (rate limits, the stack cache).
const writeNeeds = ['app:readWrite', 'deployments', 'dataKey:read', 'redis'] as const;
const readNeeds = ['app:read', 'deployments', 'dataKey:read', 'redis'] as const;
const { principalRoute } = routeBuilders({ tags: ['deployments'], needs: readNeeds });

const orgParams = z.object({ orgId: z.string().min(1).max(128) });
const envParams = z.object({ envId: z.uuid() });
const targetParams = z.object({ targetId: z.uuid() });
const stackParams = z.object({ stackId: z.uuid() });
const appParams = z.object({ appId: z.uuid() });
const ifMatch = 'Send the ETag you read as `If-Match`: 412 when the resource changed since';
const common = {
  403: { description: 'Your account belongs to no organization, or lacks the permission' },
  404: { description: 'No such resource in your organization' },
} as const;
const updateAnswers = {
  ...common,
  400: { description: 'Invalid fields (`errors` lists each path)' },
  409: { description: 'Changed concurrently while being updated (no If-Match); retry' },
  412: { description: 'If-Match names a revision that is no longer current' },
} as const;
const created = (schema: z.ZodType) => ({ description: 'Created; `ETag` is its revision', schema });

export const orgCreate = principalRoute({
  id: 'deployments.org-create',
  method: 'POST',
  path: '/v1/organizations',
  handler: 'functions/deployments/handlers/org-create.ts',
  summary: "Create the record of my own organization (its id is my token's organization)",
  permission: WRITE,
  needs: writeNeeds,
  request: { body: organizationCreate },
  responses: {
    201: created(organizationView),
    400: { description: 'Invalid fields, or a notification URL without a secret' },
    403: common[403],
    409: { description: 'Your organization already exists' },
  },
});

export const orgList = principalRoute({
  id: 'deployments.org-list',
  method: 'GET',
  path: '/v1/organizations',
  handler: 'functions/deployments/handlers/org-list.ts',
  summary: 'My organizations (mine, once created: at most one)',
  permission: READ,
  responses: {
    200: { description: 'Organizations', schema: pageSchema(organizationView) },
    403: common[403],
  },
});

export const orgGet = principalRoute({
  id: 'deployments.org-get',
  method: 'GET',
  path: '/v1/organizations/{orgId}',
  handler: 'functions/deployments/handlers/org-get.ts',
  summary: 'My organization',
  permission: READ,
  request: { params: orgParams },
  responses: {
    200: { description: 'The organization; `ETag` is its revision', schema: organizationView },
    ...common,
  },
});

export const orgUpdate = principalRoute({
  id: 'deployments.org-update',
  method: 'PATCH',
  path: '/v1/organizations/{orgId}',
  handler: 'functions/deployments/handlers/org-update.ts',
  summary: `Change my organization's name or notification settings. ${ifMatch}`,
  permission: WRITE,
  needs: writeNeeds,
  request: { params: orgParams, body: organizationUpdate },
  responses: { 200: { description: 'Updated', schema: organizationView }, ...updateAnswers },
});

export const envCreate = principalRoute({
  id: 'deployments.env-create',
  method: 'POST',
  path: '/v1/organizations/{orgId}/environments',
  handler: 'functions/deployments/handlers/env-create.ts',
  summary: 'Create an environment (dev, staging or prod) in my organization',
  permission: WRITE,
  needs: writeNeeds,
  request: { params: orgParams, body: environmentCreate },
  responses: { 201: created(environmentView), 400: { description: 'Invalid fields' }, ...common },
});

export const envList = principalRoute({
  id: 'deployments.env-list',
  method: 'GET',
  path: '/v1/organizations/{orgId}/environments',
  handler: 'functions/deployments/handlers/env-list.ts',
  summary: "My organization's environments, paged",
  permission: READ,
  request: { params: orgParams, query: pageQuery },
  responses: {
    200: { description: 'One page; follow `_links.next`', schema: pageSchema(environmentView) },
    400: { description: 'A cursor this collection did not hand out' },
    ...common,
  },
});

export const envGet = principalRoute({
  id: 'deployments.env-get',
  method: 'GET',
  path: '/v1/environments/{envId}',
  handler: 'functions/deployments/handlers/env-get.ts',
  summary: 'One environment of my organization',
  permission: READ,
  request: { params: envParams },
  responses: {
    200: { description: 'The environment; `ETag` is its revision', schema: environmentView },
    ...common,
  },
});

export const targetCreateRoute = principalRoute({
  id: 'deployments.target-create',
  method: 'POST',
  path: '/v1/environments/{envId}/targets',
  handler: 'functions/deployments/handlers/target-create.ts',
  summary:
    'Add a target (docker, swarm, kubernetes, vm, physical) to an environment: the webhook driver needs an https agent URL and the Secrets Manager reference of its HMAC key',
  permission: WRITE,
  needs: writeNeeds,
  request: { params: envParams, body: targetCreate },
  responses: {
    201: created(targetView),
    400: {
      description: 'Invalid fields: plain http, a malformed secret reference, dry-run where not allowed',
    },
    ...common,
  },
});

export const targetList = principalRoute({
  id: 'deployments.target-list',
  method: 'GET',
  path: '/v1/environments/{envId}/targets',
  handler: 'functions/deployments/handlers/target-list.ts',
  summary: "An environment's targets, paged",
  permission: READ,
  request: { params: envParams, query: pageQuery },
  responses: {
    200: { description: 'One page; follow `_links.next`', schema: pageSchema(targetView) },
    400: { description: 'A cursor this collection did not hand out' },
    ...common,
  },
});

export const targetGet = principalRoute({
  id: 'deployments.target-get',
  method: 'GET',
  path: '/v1/targets/{targetId}',
  handler: 'functions/deployments/handlers/target-get.ts',
  summary: 'One target, with the state of its circuit breaker',
  permission: READ,
  needs: readNeeds,
  request: { params: targetParams },
  responses: { 200: { description: 'The target; `ETag` is its revision', schema: targetView }, ...common },
});

export const targetUpdateRoute = principalRoute({
  id: 'deployments.target-update',
  method: 'PATCH',
  path: '/v1/targets/{targetId}',
  handler: 'functions/deployments/handlers/target-update.ts',
  summary: `Change a target (checked whole: the driver's rules hold after the change). ${ifMatch}`,
  permission: WRITE,
  needs: writeNeeds,
  request: { params: targetParams, body: targetUpdate },
  responses: { 200: { description: 'Updated', schema: targetView }, ...updateAnswers },
});

export const stackCreateRoute = principalRoute({
  id: 'deployments.stack-create',
  method: 'POST',
  path: '/v1/organizations/{orgId}/stacks',
  handler: 'functions/deployments/handlers/stack-create.ts',
  summary:
    'Create a stack: its template (at most 64 KB) and configuration (at most 100 keys) become version 1',
  permission: WRITE,
  needs: writeNeeds,
  request: { params: orgParams, body: stackCreate },
  responses: { 201: created(stackView), 400: { description: 'Invalid fields' }, ...common },
});

export const stackList = principalRoute({
  id: 'deployments.stack-list',
  method: 'GET',
  path: '/v1/organizations/{orgId}/stacks',
  handler: 'functions/deployments/handlers/stack-list.ts',
  summary: "My organization's stacks (without their templates), paged",
  permission: READ,
  request: { params: orgParams, query: pageQuery },
  responses: {
    200: { description: 'One page; follow `_links.next`', schema: pageSchema(stackView) },
    400: { description: 'A cursor this collection did not hand out' },
    ...common,
  },
});

export const stackGet = principalRoute({
  id: 'deployments.stack-get',
  method: 'GET',
  path: '/v1/stacks/{stackId}',
  handler: 'functions/deployments/handlers/stack-get.ts',
  summary:
    "One stack with its latest version's template and configuration (cached: metadata 1 h, templates 24 h, dropped on change)",
  permission: READ,
  request: { params: stackParams },
  responses: { 200: { description: 'The stack; `ETag` is its revision', schema: stackView }, ...common },
});

export const stackUpdateRoute = principalRoute({
  id: 'deployments.stack-update',
  method: 'PUT',
  path: '/v1/stacks/{stackId}',
  handler: 'functions/deployments/handlers/stack-update.ts',
  summary: `A new version of a stack's template and configuration (n + 1, written with the stack in one transaction). ${ifMatch}`,
  permission: WRITE,
  needs: writeNeeds,
  request: { params: stackParams, body: stackUpdate },
  responses: { 200: { description: 'The stack at its new version', schema: stackView }, ...updateAnswers },
});

export const stackVersions = principalRoute({
  id: 'deployments.stack-versions',
  method: 'GET',
  path: '/v1/stacks/{stackId}/versions',
  handler: 'functions/deployments/handlers/stack-versions.ts',
  summary: "A stack's versions, newest first, paged",
  permission: READ,
  request: { params: stackParams, query: pageQuery },
  responses: {
    200: { description: 'One page; follow `_links.next`', schema: pageSchema(stackVersionView) },
    400: { description: 'A cursor this collection did not hand out' },
    ...common,
  },
});

export const stackVersionGet = principalRoute({
  id: 'deployments.stack-version-get',
  method: 'GET',
  path: '/v1/stacks/{stackId}/versions/{version}',
  handler: 'functions/deployments/handlers/stack-version-get.ts',
  summary: 'One version of a stack (immutable; cached 24 h)',
  permission: READ,
  request: { params: stackParams.extend({ version: z.coerce.number().int().min(1).max(999_999) }) },
  responses: {
    200: { description: 'The version; `ETag` is its number', schema: stackVersionView },
    ...common,
  },
});

export const appCreate = principalRoute({
  id: 'deployments.app-create',
  method: 'POST',
  path: '/v1/stacks/{stackId}/applications',
  handler: 'functions/deployments/handlers/app-create.ts',
  summary: 'Add an application (image, 1 to 100 replicas) to a stack',
  permission: WRITE,
  needs: writeNeeds,
  request: { params: stackParams, body: applicationCreate },
  responses: { 201: created(applicationView), 400: { description: 'Invalid fields' }, ...common },
});

export const appList = principalRoute({
  id: 'deployments.app-list',
  method: 'GET',
  path: '/v1/stacks/{stackId}/applications',
  handler: 'functions/deployments/handlers/app-list.ts',
  summary: "A stack's applications, paged",
  permission: READ,
  request: { params: stackParams, query: pageQuery },
  responses: {
    200: { description: 'One page; follow `_links.next`', schema: pageSchema(applicationView) },
    400: { description: 'A cursor this collection did not hand out' },
    ...common,
  },
});

export const appGet = principalRoute({
  id: 'deployments.app-get',
  method: 'GET',
  path: '/v1/applications/{appId}',
  handler: 'functions/deployments/handlers/app-get.ts',
  summary: 'One application',
  permission: READ,
  request: { params: appParams },
  responses: {
    200: { description: 'The application; `ETag` is its revision', schema: applicationView },
    ...common,
  },
});

export const catalogRoutes = [
  orgCreate,
  orgList,
  orgGet,
  orgUpdate,
  envCreate,
  envList,
  envGet,
  targetCreateRoute,
  targetList,
  targetGet,
  targetUpdateRoute,
  stackCreateRoute,
  stackList,
  stackGet,
  stackUpdateRoute,
  stackVersions,
  stackVersionGet,
  appCreate,
  appList,
  appGet,
] as const;
