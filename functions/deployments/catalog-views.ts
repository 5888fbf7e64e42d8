import { etagHeader } from '#shared/http/concurrency.ts';
import { actions, links, seg } from '#shared/http/hateoas.ts';
import { type Page, type PageQuery, pageBody } from '#shared/http/pagination.ts';
import type { Principal } from '#shared/http/principal.ts';
import {
  applicationCreate,
  deploymentRequest,
  environmentCreate,
  organizationUpdate,
  stackCreate,
  stackUpdate,
  targetCreate,
  targetUpdate,
} from './catalog-schemas.ts';
import type {
  Application,
  Environment,
  Organization,
  Stack,
  StackVersion,
  Target,
  TargetCircuit,
} from './domain/model.ts';

/**
 * The catalog's representations: each resource with its `_links` and the `_actions` this caller
 * may take on it now (`deployments:write` for every change), and the `ETag` of a single resource.
 */
const WRITE = 'deployments:write';

export const paths = {
  organizations: '/v1/organizations',
  organization: (orgId: string) => `/v1/organizations/${seg(orgId)}`,
  environments: (orgId: string) => `/v1/organizations/${seg(orgId)}/environments`,
  environment: (envId: string) => `/v1/environments/${seg(envId)}`,
  targets: (envId: string) => `/v1/environments/${seg(envId)}/targets`,
  target: (targetId: string) => `/v1/targets/${seg(targetId)}`,
  stacks: (orgId: string) => `/v1/organizations/${seg(orgId)}/stacks`,
  stack: (stackId: string) => `/v1/stacks/${seg(stackId)}`,
  versions: (stackId: string) => `/v1/stacks/${seg(stackId)}/versions`,
  version: (stackId: string, version: number) => `/v1/stacks/${seg(stackId)}/versions/${seg(version)}`,
  applications: (stackId: string) => `/v1/stacks/${seg(stackId)}/applications`,
  application: (appId: string) => `/v1/applications/${seg(appId)}`,
  /** The deployment routes' (the integrator's): deploy a stack, list its deployments. */
  deployments: (stackId: string) => `/v1/stacks/${seg(stackId)}/deployments`,
} as const;

export function organizationView(principal: Principal, org: Organization) {
  return {
    ...org,
    _links: links({
      self: paths.organization(org.id),
      collection: paths.organizations,
      environments: paths.environments(org.id),
      stacks: paths.stacks(org.id),
    }),
    _actions: actions(principal, [
      {
        name: 'update',
        method: 'PATCH',
        href: paths.organization(org.id),
        permission: WRITE,
        body: organizationUpdate,
      },
      {
        name: 'create-environment',
        method: 'POST',
        href: paths.environments(org.id),
        permission: WRITE,
        body: environmentCreate,
      },
      {
        name: 'create-stack',
        method: 'POST',
        href: paths.stacks(org.id),
        permission: WRITE,
        body: stackCreate,
      },
    ]),
  };
}

export function environmentView(principal: Principal, env: Environment) {
  return {
    ...env,
    _links: links({
      self: paths.environment(env.id),
      parent: paths.organization(env.orgId),
      targets: paths.targets(env.id),
    }),
    _actions: actions(principal, [
      {
        name: 'create-target',
        method: 'POST',
        href: paths.targets(env.id),
        permission: WRITE,
        body: targetCreate,
      },
    ]),
  };
}

export function targetView(principal: Principal, target: Target, circuit?: TargetCircuit) {
  return {
    ...target,
    ...(circuit === undefined ? {} : { circuit }),
    _links: links({ self: paths.target(target.id), parent: paths.environment(target.environmentId) }),
    _actions: actions(principal, [
      {
        name: 'update',
        method: 'PATCH',
        href: paths.target(target.id),
        permission: WRITE,
        body: targetUpdate,
      },
    ]),
  };
}

export function stackView(principal: Principal, stack: Stack, latest?: StackVersion) {
  return {
    ...stack,
    ...(latest === undefined ? {} : { template: latest.template, configuration: latest.configuration }),
    _links: links({
      self: paths.stack(stack.id),
      parent: paths.organization(stack.orgId),
      versions: paths.versions(stack.id),
      latest: paths.version(stack.id, stack.latestVersion),
      applications: paths.applications(stack.id),
      deployments: paths.deployments(stack.id),
    }),
    _actions: actions(principal, [
      { name: 'update', method: 'PUT', href: paths.stack(stack.id), permission: WRITE, body: stackUpdate },
      {
        name: 'create-application',
        method: 'POST',
        href: paths.applications(stack.id),
        permission: WRITE,
        body: applicationCreate,
      },
      {
        name: 'deploy',
        method: 'POST',
        href: paths.deployments(stack.id),
        permission: WRITE,
        body: deploymentRequest,
      },
    ]),
  };
}

export function stackVersionView(
  principal: Principal,
  version: StackVersion,
  stack: Pick<Stack, 'latestVersion'>,
) {
  return {
    ...version,
    _links: links({
      self: paths.version(version.stackId, version.version),
      parent: paths.stack(version.stackId),
      collection: paths.versions(version.stackId),
      ...(version.version > 1 ? { previous: paths.version(version.stackId, version.version - 1) } : {}),
      ...(version.version < stack.latestVersion
        ? { next: paths.version(version.stackId, version.version + 1) }
        : {}),
    }),
    // Deploying this exact version: the deployment request with `version` set to it.
    _actions: actions(principal, [
      {
        name: 'deploy',
        method: 'POST',
        href: paths.deployments(version.stackId),
        permission: WRITE,
        body: deploymentRequest,
      },
    ]),
  };
}

export function applicationView(principal: Principal, app: Application) {
  return {
    ...app,
    _links: links({ self: paths.application(app.id), parent: paths.stack(app.stackId) }),
    _actions: actions(principal, []),
  };
}

/** A single resource's result: its representation and its `ETag`. */
export function single<T extends { readonly revision: number }>(resource: T, body: object, status = 200) {
  return { status, body, headers: etagHeader(resource.revision) };
}

/** A collection's body, with a `create` action where the caller may add to it. */
export function collection<T, V>(
  principal: Principal,
  basePath: string,
  query: PageQuery,
  page: Page<T>,
  view: (item: T) => V,
  create?: { readonly body: Parameters<typeof actions>[1][number]['body']; readonly parent?: string },
) {
  return pageBody(
    basePath,
    query,
    { items: page.items.map(view), cursor: page.cursor },
    {
      ...(create?.parent === undefined ? {} : { links: { parent: create.parent } }),
      actions:
        create === undefined
          ? []
          : actions(principal, [
              { name: 'create', method: 'POST', href: basePath, permission: WRITE, body: create.body },
            ]),
    },
  );
}
