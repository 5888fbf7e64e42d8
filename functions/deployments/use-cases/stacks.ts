import { InvalidInputError, ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Page } from '#shared/http/pagination.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { CatalogDeps } from '../catalog-deps.ts';
import { MAX_TEMPLATE_BYTES } from '../catalog-schemas.ts';
import type { Stack, StackVersion } from '../domain/model.ts';
import type { PageRequest } from '../store/catalog.ts';
import { checkIfMatch, lostRace, owned, ownOrgId } from './catalog-access.ts';
import { getOrganization } from './organizations.ts';

type Deps = Pick<CatalogDeps, 'store' | 'stackReads' | 'actorOf' | 'now' | 'newId'>;

export interface StackContent {
  readonly template: string;
  readonly configuration: Readonly<Record<string, string>>;
}

/** A stack with its latest version's content: what `GET /v1/stacks/{id}` shows. */
export interface StackWithContent {
  readonly stack: Stack;
  readonly latest: StackVersion;
}

/** The schema caps characters; the limit is 64 KB of UTF-8, which multi-byte text reaches sooner. */
function checkTemplate(template: string): void {
  if (Buffer.byteLength(template, 'utf8') > MAX_TEMPLATE_BYTES) {
    throw new InvalidInputError('The template is too large.', [
      { path: 'body.template', message: `at most ${MAX_TEMPLATE_BYTES} bytes (UTF-8)` },
    ]);
  }
}

export async function createStack(
  deps: Deps,
  principal: Principal,
  orgId: string,
  input: StackContent & { readonly name: string; readonly description: string },
): Promise<StackWithContent> {
  await getOrganization(deps, principal, orgId);
  checkTemplate(input.template);
  const at = deps.now().toISOString();
  const createdBy = await deps.actorOf(principal);
  const id = deps.newId();
  const stack: Stack = {
    id,
    orgId,
    name: input.name,
    description: input.description,
    latestVersion: 1,
    revision: 1,
    createdAt: at,
    updatedAt: at,
    createdBy,
  };
  const latest: StackVersion = {
    stackId: id,
    version: 1,
    template: input.template,
    configuration: input.configuration,
    createdAt: at,
    createdBy,
  };
  await deps.store.createStack(stack, latest);
  return { stack, latest };
}

export async function listStacks(
  deps: Pick<Deps, 'store'>,
  principal: Principal,
  orgId: string,
  page: PageRequest,
): Promise<Page<Stack>> {
  return deps.store.listStacks(ownOrgId(principal, orgId), page);
}

/** The stack (cached metadata) and its latest version (cached template). */
export async function getStack(
  deps: Pick<Deps, 'stackReads'>,
  principal: Principal,
  stackId: string,
): Promise<StackWithContent> {
  const stack = owned(principal, await deps.stackReads.getStack(stackId), 'stack');
  const latest = await deps.stackReads.getVersion(stackId, stack.latestVersion);
  // Written in the same transaction as the stack's latestVersion: its absence is a broken invariant.
  if (latest === undefined) throw new Error(`stack ${stackId} has no version ${stack.latestVersion}`);
  return { stack, latest };
}

/** A new version (n + 1) of the template and configuration, and the stack moved to it, atomically. */
export async function updateStack(
  deps: Deps,
  principal: Principal,
  stackId: string,
  input: StackContent & { readonly name?: string | undefined; readonly description?: string | undefined },
  ifMatch: readonly number[] | undefined,
): Promise<StackWithContent> {
  // From the table, not the cache: the revision checked must be the current one.
  const current = owned(principal, await deps.store.getStack(stackId), 'stack');
  checkIfMatch(current, ifMatch, 'stack');
  checkTemplate(input.template);
  const latest: StackVersion = {
    stackId,
    version: current.latestVersion + 1,
    template: input.template,
    configuration: input.configuration,
    createdAt: deps.now().toISOString(),
    createdBy: await deps.actorOf(principal),
  };
  const stack = await deps.store.addStackVersion(stackId, current.revision, latest, {
    name: input.name,
    description: input.description,
  });
  if (stack === undefined) {
    if ((await deps.store.getStack(stackId)) === undefined) throw new ResourceNotFoundError('No such stack.');
    lostRace(ifMatch, 'stack');
  }
  await deps.stackReads.stackChanged(stackId);
  return { stack, latest };
}

export async function listStackVersions(
  deps: Pick<Deps, 'store' | 'stackReads'>,
  principal: Principal,
  stackId: string,
  page: PageRequest,
): Promise<Page<StackVersion>> {
  owned(principal, await deps.stackReads.getStack(stackId), 'stack');
  return deps.store.listVersions(stackId, page);
}

export async function getStackVersion(
  deps: Pick<Deps, 'stackReads'>,
  principal: Principal,
  stackId: string,
  version: number,
): Promise<{ stack: Stack; version: StackVersion }> {
  const stack = owned(principal, await deps.stackReads.getStack(stackId), 'stack');
  const found =
    version <= stack.latestVersion ? await deps.stackReads.getVersion(stackId, version) : undefined;
  if (found === undefined) throw new ResourceNotFoundError('No such version of the stack.');
  return { stack, version: found };
}
