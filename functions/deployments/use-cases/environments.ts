import type { Page } from '#shared/http/pagination.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { CatalogDeps } from '../catalog-deps.ts';
import type { Environment, EnvironmentType } from '../domain/model.ts';
import type { PageRequest } from '../store/catalog.ts';
import { owned, ownOrgId } from './catalog-access.ts';
import { getOrganization } from './organizations.ts';

type Deps = Pick<CatalogDeps, 'store' | 'actorOf' | 'now' | 'newId'>;

export async function createEnvironment(
  deps: Deps,
  principal: Principal,
  orgId: string,
  input: { readonly name: string; readonly type: EnvironmentType },
): Promise<Environment> {
  await getOrganization(deps, principal, orgId);
  const at = deps.now().toISOString();
  const environment: Environment = {
    id: deps.newId(),
    orgId,
    name: input.name,
    type: input.type,
    revision: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: await deps.actorOf(principal),
  };
  await deps.store.createEnvironment(environment);
  return environment;
}

export async function listEnvironments(
  deps: Pick<Deps, 'store'>,
  principal: Principal,
  orgId: string,
  page: PageRequest,
): Promise<Page<Environment>> {
  return deps.store.listEnvironments(ownOrgId(principal, orgId), page);
}

export async function getEnvironment(
  deps: Pick<Deps, 'store'>,
  principal: Principal,
  envId: string,
): Promise<Environment> {
  return owned(principal, await deps.store.getEnvironment(envId), 'environment');
}
