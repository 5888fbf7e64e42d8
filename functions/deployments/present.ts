import * as z from 'zod';
import type { Principal } from '#shared/http/principal.ts';
import type { Deployment, DeploymentEvent } from './domain/model.ts';
import { deployBody, rollbackBody } from './routes.ts';
import { deploymentActions } from './use-cases/deployments.ts';

const schemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
// The same for every response of a build: computed once per container, not per request.
const ACTION_SCHEMAS = { deploy: schemaOf(deployBody), rollback: schemaOf(rollbackBody) };

/** A deployment as the API shows it: its fields (no actor, no correlation id), `_links`, and `_actions` allowed now. */
export function presentDeployment(principal: Principal, d: Deployment) {
  const self = `/v1/deployments/${d.id}`;
  const actions = deploymentActions(principal, d).map((name) => {
    switch (name) {
      case 'cancel':
        return { name, method: 'POST', href: `${self}/cancel` };
      case 'rollback':
        return {
          name,
          method: 'POST',
          href: `/v1/stacks/${d.stackId}/rollback`,
          schema: ACTION_SCHEMAS.rollback,
        };
      default:
        return {
          name,
          method: 'POST',
          href: `/v1/stacks/${d.stackId}/deployments`,
          schema: ACTION_SCHEMAS.deploy,
        };
    }
  });
  return {
    id: d.id,
    orgId: d.orgId,
    stackId: d.stackId,
    environmentId: d.environmentId,
    targetId: d.targetId,
    version: d.version,
    kind: d.kind,
    status: d.status,
    step: d.step,
    completedSteps: d.completedSteps,
    compensations: d.compensations,
    reason: d.reason,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    finishedAt: d.finishedAt,
    _links: {
      self: { href: self },
      events: { href: `${self}/events` },
      stack: { href: `/v1/stacks/${d.stackId}` },
      deployments: { href: `/v1/stacks/${d.stackId}/deployments` },
      environment: { href: `/v1/environments/${d.environmentId}` },
      target: { href: `/v1/targets/${d.targetId}` },
    },
    _actions: actions,
  };
}

export function presentEvent(event: DeploymentEvent) {
  return {
    seq: event.seq,
    type: event.type,
    at: event.at,
    step: event.step,
    message: event.message,
    data: event.data,
  };
}
