import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';
import { deploymentRequest } from './catalog-schemas.ts';
import { DEPLOYMENT_STATUSES, SAGA_STEPS } from './domain/model.ts';

/**
 * Deployments: start one (the saga on Step Functions), follow it (its record and its live log),
 * cancel it, roll a stack back, and the agents' signed callback. Org-scoped like the catalog: a
 * deployment of another organisation answers 404. Functions held by the Deployments stack
 * (`lib/config/route-hosting.ts`).
 */
const { principalRoute, publicRoute } = routeBuilders({
  tags: ['deployments'],
  needs: ['app:readWrite', 'redis', 'deployments'],
});

const link = z.object({ href: z.string() });
const action = z.object({
  name: z.string(),
  method: z.string(),
  href: z.string(),
  schema: z.record(z.string(), z.unknown()).optional(),
});
export const deploymentView = z.object({
  id: z.string(),
  orgId: z.string(),
  stackId: z.string(),
  environmentId: z.string(),
  targetId: z.string(),
  version: z.number(),
  kind: z.enum(['deploy', 'rollback']),
  status: z.enum(DEPLOYMENT_STATUSES),
  step: z.enum(SAGA_STEPS).nullable(),
  completedSteps: z.array(z.enum(SAGA_STEPS)),
  compensations: z.array(z.string()),
  reason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  _links: z.record(z.string(), link),
  _actions: z.array(action),
});
const eventView = z.object({
  seq: z.number(),
  type: z.string(),
  at: z.string(),
  step: z.enum(SAGA_STEPS).nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
});
const stackParams = z.object({ stackId: z.uuid() });
const deploymentParams = z.object({ deploymentId: z.uuid() });
/** The same schema the catalog's `deploy` actions advertise. */
export const deployBody = deploymentRequest;
export const rollbackBody = z.strictObject({ environmentId: z.uuid() });

export const createDeployment = principalRoute({
  id: 'deployments.deploy',
  method: 'POST',
  path: '/v1/stacks/{stackId}/deployments',
  handler: 'functions/deployments/handlers/deploy.ts',
  summary: 'Deploy a stack version to an environment: runs the saga, answers at once',
  permission: 'deployments:write',
  needs: ['app:readWrite', 'redis', 'deployments', 'deployments:saga', 'deployments:events', 'dataKey:read'],
  request: { params: stackParams, body: deployBody },
  responses: {
    202: { description: 'Accepted: follow `_links.events`', schema: deploymentView },
    400: { description: 'No such version, or the environment has no target' },
    404: { description: 'No such stack or environment in your organisation' },
    409: { description: '`deployment-in-progress`: one is already running for this stack and environment' },
  },
});

export const listDeployments = principalRoute({
  id: 'deployments.list',
  method: 'GET',
  path: '/v1/stacks/{stackId}/deployments',
  handler: 'functions/deployments/handlers/list.ts',
  summary: "A stack's deployments, newest first",
  permission: 'deployments:read',
  request: {
    params: stackParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(2048).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page',
      schema: z.object({
        items: z.array(deploymentView),
        nextCursor: z.string().nullable(),
        _links: z.record(z.string(), link),
      }),
    },
    404: { description: 'No such stack in your organisation' },
  },
});

export const getDeployment = principalRoute({
  id: 'deployments.get',
  method: 'GET',
  path: '/v1/deployments/{deploymentId}',
  handler: 'functions/deployments/handlers/get.ts',
  summary: 'A deployment: status, step, completed steps and compensations, with what may be done now',
  permission: 'deployments:read',
  request: { params: deploymentParams },
  responses: {
    200: { description: 'The deployment', schema: deploymentView },
    404: { description: 'No such deployment in your organisation' },
  },
});

export const deploymentEvents = principalRoute({
  id: 'deployments.events',
  method: 'GET',
  path: '/v1/deployments/{deploymentId}/events',
  handler: 'functions/deployments/handlers/events.ts',
  summary:
    'The live log: events after `after`; with `waitSeconds`, waits (long poll) until a newer event exists or the time is up',
  permission: 'deployments:read',
  // A long poll holds its function for up to `maxWaitSeconds` (20 s at most by the stage configs).
  timeoutSeconds: 25,
  request: {
    params: deploymentParams,
    query: z.object({
      after: z.coerce.number().int().min(0).default(0),
      waitSeconds: z.coerce.number().int().min(0).max(25).default(0),
      limit: z.coerce.number().int().min(1).max(100).default(100),
    }),
  },
  responses: {
    200: {
      description: 'Events, oldest first; `_links.next` continues after the last one',
      schema: z.object({
        items: z.array(eventView),
        status: z.enum(DEPLOYMENT_STATUSES),
        nextCursor: z.string(),
        _links: z.record(z.string(), link),
      }),
    },
    404: { description: 'No such deployment in your organisation' },
  },
});

export const cancelDeployment = principalRoute({
  id: 'deployments.cancel',
  method: 'POST',
  path: '/v1/deployments/{deploymentId}/cancel',
  handler: 'functions/deployments/handlers/cancel.ts',
  summary: 'Cancel a running deployment: the saga stops going forward and compensates what it did',
  permission: 'deployments:write',
  needs: ['app:readWrite', 'redis', 'deployments', 'deployments:saga', 'deployments:events'],
  request: { params: deploymentParams },
  responses: {
    202: {
      description: 'Cancelling: the saga compensates, then the deployment is `cancelled`',
      schema: deploymentView,
    },
    404: { description: 'No such deployment in your organisation' },
    409: { description: '`deployment-finished`: it is no longer running' },
  },
});

export const rollback = principalRoute({
  id: 'deployments.rollback',
  method: 'POST',
  path: '/v1/stacks/{stackId}/rollback',
  handler: 'functions/deployments/handlers/rollback.ts',
  summary: 'Deploy the last successful version before the current one again (a rollback deployment)',
  permission: 'deployments:write',
  needs: ['app:readWrite', 'redis', 'deployments', 'deployments:saga', 'deployments:events', 'dataKey:read'],
  request: { params: stackParams, body: rollbackBody },
  responses: {
    202: { description: 'Accepted: a deployment of kind `rollback`', schema: deploymentView },
    404: { description: 'No such stack or environment in your organisation' },
    409: {
      description:
        '`no-previous-version`: no earlier successful version to return to; `deployment-in-progress`',
    },
  },
});

export const agentCallback = publicRoute({
  id: 'deployments.callback',
  method: 'POST',
  path: '/v1/deployments/{deploymentId}/callback',
  handler: 'functions/deployments/handlers/callback.ts',
  summary:
    "A target agent's answer to a deploy it accepted (202): HMAC-signed with the target's key, it resumes the waiting saga",
  // Resolving the step appends and publishes its event and records the outcome on the circuit.
  needs: [
    'app:readWrite',
    'redis',
    'deployments',
    'deployments:saga',
    'deployments:events',
    'deployments:credentials',
  ],
  request: {
    params: deploymentParams,
    body: z.strictObject({
      status: z.enum(['succeeded', 'failed']),
      message: z.string().max(1000).optional(),
    }),
  },
  responses: {
    202: { description: 'Accepted: the saga goes on', schema: z.object({ accepted: z.literal(true) }) },
    401: { description: '`invalid-signature`: missing, stale or wrong `x-nimbus-signature`' },
    404: { description: 'No such deployment' },
    409: {
      description: '`not-waiting`: the deployment waits for no callback (already answered, or timed out)',
    },
  },
});

export const deploymentRoutes = [
  createDeployment,
  listDeployments,
  getDeployment,
  deploymentEvents,
  cancelDeployment,
  rollback,
  agentCallback,
];
