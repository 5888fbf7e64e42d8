import type { Page } from '#shared/http/pagination.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { CatalogDeps } from '../catalog-deps.ts';
import type { Application } from '../domain/model.ts';
import type { PageRequest } from '../store/catalog.ts';
import { owned } from './catalog-access.ts';

type Deps = Pick<CatalogDeps, 'store' | 'stackReads' | 'actorOf' | 'now' | 'newId'>;

export async function createApplication(
  deps: Deps,
  principal: Principal,
  stackId: string,
  input: { readonly name: string; readonly image: string; readonly replicas: number },
): Promise<Application> {
  const stack = owned(principal, await deps.stackReads.getStack(stackId), 'stack');
  const at = deps.now().toISOString();
  const application: Application = {
    id: deps.newId(),
    orgId: stack.orgId,
    stackId: stack.id,
    name: input.name,
    image: input.image,
    replicas: input.replicas,
    revision: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: await deps.actorOf(principal),
  };
  await deps.store.createApplication(application);
  return application;
}

export async function listApplications(
  deps: Pick<Deps, 'store' | 'stackReads'>,
  principal: Principal,
  stackId: string,
  page: PageRequest,
): Promise<Page<Application>> {
  owned(principal, await deps.stackReads.getStack(stackId), 'stack');
  return deps.store.listApplications(stackId, page);
}

export async function getApplication(
  deps: Pick<Deps, 'store'>,
  principal: Principal,
  appId: string,
): Promise<Application> {
  return owned(principal, await deps.store.getApplication(appId), 'application');
}
