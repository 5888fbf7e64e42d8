import { type FieldIssue, ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Page } from '#shared/http/pagination.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { CatalogDeps, TargetReadDeps } from '../catalog-deps.ts';
import type { DriverName, Target, TargetCircuit, TargetKind } from '../domain/model.ts';
import type { PageRequest } from '../store/catalog.ts';
import {
  checkIfMatch,
  endpointIssue,
  lostRace,
  owned,
  rejectIssues,
  secretReferenceIssue,
} from './catalog-access.ts';
import { getEnvironment } from './environments.ts';

type Deps = Pick<CatalogDeps, 'store' | 'settings' | 'actorOf' | 'now' | 'newId'>;

export interface TargetInput {
  readonly name: string;
  readonly kind: TargetKind;
  readonly driver: DriverName;
  readonly endpoint?: string | undefined;
  readonly credentialsSecret?: string | undefined;
}

export interface TargetPatch {
  readonly name?: string | undefined;
  readonly kind?: TargetKind | undefined;
  readonly driver?: DriverName | undefined;
  readonly endpoint?: string | null | undefined;
  readonly credentialsSecret?: string | null | undefined;
}

type Driving = Pick<Target, 'driver' | 'endpoint' | 'credentialsSecret'>;

/**
 * How a target is driven, checked whole (on create, and on the merged result of an update):
 * `webhook` needs an agent URL (https, or loopback http where the stage allows it) and the
 * reference of its HMAC secret; `dry-run` only where the stage allows it.
 */
export function checkDriving(deps: Pick<Deps, 'settings'>, target: Driving): void {
  const issues: Array<FieldIssue | undefined> = [];
  if (target.driver === 'webhook') {
    issues.push(
      target.endpoint === null
        ? { path: 'body.endpoint', message: 'required by the webhook driver' }
        : endpointIssue(target.endpoint, deps.settings, 'body.endpoint'),
      target.credentialsSecret === null
        ? { path: 'body.credentialsSecret', message: 'required by the webhook driver' }
        : secretReferenceIssue(
            target.credentialsSecret,
            'body.credentialsSecret',
            deps.settings.credentialsPrefix,
          ),
    );
  } else if (!deps.settings.allowDryRun) {
    issues.push({ path: 'body.driver', message: 'the dry-run driver is not available on this stage' });
  } else {
    if (target.endpoint !== null) issues.push(endpointIssue(target.endpoint, deps.settings, 'body.endpoint'));
    if (target.credentialsSecret !== null)
      issues.push(
        secretReferenceIssue(
          target.credentialsSecret,
          'body.credentialsSecret',
          deps.settings.credentialsPrefix,
        ),
      );
  }
  rejectIssues('The target cannot be driven this way.', issues);
}

export async function createTarget(
  deps: Deps,
  principal: Principal,
  envId: string,
  input: TargetInput,
): Promise<Target> {
  const environment = await getEnvironment(deps, principal, envId);
  const driving: Driving = {
    driver: input.driver,
    endpoint: input.endpoint ?? null,
    credentialsSecret: input.credentialsSecret ?? null,
  };
  checkDriving(deps, driving);
  const at = deps.now().toISOString();
  const target: Target = {
    id: deps.newId(),
    orgId: environment.orgId,
    environmentId: environment.id,
    name: input.name,
    kind: input.kind,
    ...driving,
    revision: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: await deps.actorOf(principal),
  };
  await deps.store.createTarget(target);
  return target;
}

export async function listTargets(
  deps: Pick<Deps, 'store'>,
  principal: Principal,
  envId: string,
  page: PageRequest,
): Promise<Page<Target>> {
  await getEnvironment(deps, principal, envId);
  return deps.store.listTargets(envId, page);
}

/** The target, with its circuit breaker's state. */
export async function getTarget(
  deps: Pick<TargetReadDeps, 'store' | 'circuitOf'>,
  principal: Principal,
  targetId: string,
): Promise<{ target: Target; circuit: TargetCircuit }> {
  const target = owned(principal, await deps.store.getTarget(targetId), 'target');
  return { target, circuit: await deps.circuitOf(target.id) };
}

export async function updateTarget(
  deps: Deps,
  principal: Principal,
  targetId: string,
  patch: TargetPatch,
  ifMatch: readonly number[] | undefined,
): Promise<Target> {
  const current = owned(principal, await deps.store.getTarget(targetId), 'target');
  checkIfMatch(current, ifMatch, 'target');
  checkDriving(deps, {
    driver: patch.driver ?? current.driver,
    endpoint: patch.endpoint === undefined ? current.endpoint : patch.endpoint,
    credentialsSecret:
      patch.credentialsSecret === undefined ? current.credentialsSecret : patch.credentialsSecret,
  });
  const updated = await deps.store.updateTarget(targetId, current.revision, patch, deps.now().toISOString());
  if (updated === undefined) {
    if ((await deps.store.getTarget(targetId)) === undefined)
      throw new ResourceNotFoundError('No such target.');
    lostRace(ifMatch, 'target');
  }
  return updated;
}
