import { ConflictingStateError, type FieldIssue, ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { CatalogDeps } from '../catalog-deps.ts';
import type { Organization } from '../domain/model.ts';
import {
  checkIfMatch,
  endpointIssue,
  lostRace,
  orgOf,
  owned,
  ownOrgId,
  rejectIssues,
  secretReferenceIssue,
} from './catalog-access.ts';

type Deps = Pick<CatalogDeps, 'store' | 'settings' | 'actorOf' | 'now'>;

export interface OrganizationInput {
  readonly name: string;
  readonly notificationUrl?: string | undefined;
  readonly notificationSecret?: string | undefined;
}

export interface OrganizationPatch {
  readonly name?: string | undefined;
  readonly notificationUrl?: string | null | undefined;
  readonly notificationSecret?: string | null | undefined;
}

/** Notifications go to an https (or allowed loopback) URL and are signed with a referenced secret. */
function checkNotifications(deps: Pick<Deps, 'settings'>, url: string | null, secret: string | null): void {
  const issues: Array<FieldIssue | undefined> = [];
  if (url !== null) issues.push(endpointIssue(url, deps.settings, 'body.notificationUrl'));
  if (secret !== null)
    issues.push(secretReferenceIssue(secret, 'body.notificationSecret', deps.settings.credentialsPrefix));
  if (url !== null && secret === null)
    issues.push({ path: 'body.notificationSecret', message: 'required with notificationUrl' });
  rejectIssues('The notification settings are not acceptable.', issues);
}

/** The record of the caller's own organisation (its id is the token's); 409 when it exists. */
export async function createOrganization(
  deps: Deps,
  principal: Principal,
  input: OrganizationInput,
): Promise<Organization> {
  const orgId = orgOf(principal);
  const notificationUrl = input.notificationUrl ?? null;
  const notificationSecret = input.notificationSecret ?? null;
  checkNotifications(deps, notificationUrl, notificationSecret);
  const at = deps.now().toISOString();
  const org: Organization = {
    id: orgId,
    orgId,
    name: input.name,
    notificationUrl,
    notificationSecret,
    revision: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: await deps.actorOf(principal),
  };
  if (!(await deps.store.createOrganization(org)))
    throw new ConflictingStateError('Your organization already exists.');
  return org;
}

export async function getOrganization(
  deps: Pick<Deps, 'store'>,
  principal: Principal,
  orgId: string,
): Promise<Organization> {
  ownOrgId(principal, orgId);
  return owned(principal, await deps.store.getOrganization(orgId), 'organization');
}

/** The caller's organisations: its own, once created (at most one). */
export async function listOrganizations(
  deps: Pick<Deps, 'store'>,
  principal: Principal,
): Promise<Organization[]> {
  const org = await deps.store.getOrganization(orgOf(principal));
  return org === undefined ? [] : [org];
}

export async function updateOrganization(
  deps: Deps,
  principal: Principal,
  orgId: string,
  patch: OrganizationPatch,
  ifMatch: readonly number[] | undefined,
): Promise<Organization> {
  const current = await getOrganization(deps, principal, orgId);
  checkIfMatch(current, ifMatch, 'organization');
  checkNotifications(
    deps,
    patch.notificationUrl === undefined ? current.notificationUrl : patch.notificationUrl,
    patch.notificationSecret === undefined ? current.notificationSecret : patch.notificationSecret,
  );
  const updated = await deps.store.updateOrganization(
    orgId,
    current.revision,
    {
      name: patch.name,
      notificationUrl: patch.notificationUrl,
      notificationSecret: patch.notificationSecret,
    },
    deps.now().toISOString(),
  );
  if (updated === undefined) {
    if ((await deps.store.getOrganization(orgId)) === undefined)
      throw new ResourceNotFoundError('No such organization.');
    lostRace(ifMatch, 'organization');
  }
  return updated;
}
