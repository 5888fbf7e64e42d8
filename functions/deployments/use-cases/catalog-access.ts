import {
  ConflictingStateError,
  type FieldIssue,
  InvalidInputError,
  NotPermittedError,
  PreconditionFailedError,
  ResourceNotFoundError,
} from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { DeploymentSettings } from '../config.ts';

/**
 * The rules every catalog use case shares: whose organisation the caller acts for, that a resource
 * of another organisation is answered exactly like one that does not exist, and the
 * optimistic-concurrency rule of updates.
 */

/** The caller's organisation (the token's `org_id`); a caller without one can use no catalog route. */
export function orgOf(principal: Principal): string {
  if (principal.orgId === null) throw new NotPermittedError('Your account belongs to no organization.');
  return principal.orgId;
}

/**
 * The resource, if it is the caller's organisation's. Another organisation's answers the same
 * 404 as one that does not exist: the answer never tells the two apart.
 */
export function owned<T extends { readonly orgId: string }>(
  principal: Principal,
  resource: T | undefined,
  what: string,
): T {
  const orgId = orgOf(principal);
  if (resource === undefined || resource.orgId !== orgId) throw new ResourceNotFoundError(`No such ${what}.`);
  return resource;
}

/** The caller's own organisation's id in a path (`/v1/organizations/{orgId}/...`), else 404. */
export function ownOrgId(principal: Principal, orgId: string): string {
  if (orgOf(principal) !== orgId) throw new ResourceNotFoundError('No such organization.');
  return orgId;
}

/**
 * An update's precondition: `ifMatch` (the revisions `If-Match` named; `undefined` without one)
 * must name the current revision, else 412 and nothing changes.
 */
export function checkIfMatch(
  current: { readonly revision: number },
  ifMatch: readonly number[] | undefined,
  what: string,
): void {
  if (ifMatch !== undefined && !ifMatch.includes(current.revision)) {
    throw new PreconditionFailedError(
      `The ${what} is at revision ${current.revision}, not the one If-Match names; read it again.`,
    );
  }
}

/**
 * The conditional write lost to a concurrent change after the read. With `If-Match` the revision
 * it named is gone (412); without it, the caller asked for no particular revision, and the update
 * was still made conditional on the one it read: a retryable 409, never a silently lost update.
 */
export function lostRace(ifMatch: readonly number[] | undefined, what: string): never {
  if (ifMatch !== undefined) {
    throw new PreconditionFailedError(`The ${what} changed meanwhile; read it again.`);
  }
  throw new ConflictingStateError(`The ${what} changed while it was being updated; try again.`);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * An agent's or a notification's URL: https; plain http only to a loopback host and only where the
 * stage allows it (`allowLoopbackHttp`, the `local` stage). No credentials in the URL.
 */
export function endpointIssue(
  value: string,
  settings: Pick<DeploymentSettings, 'allowLoopbackHttp'>,
  path: string,
): FieldIssue | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { path, message: 'not a URL' };
  }
  if (url.username !== '' || url.password !== '') return { path, message: 'must not carry credentials' };
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname))
      return { path, message: 'http only to a loopback host; use https' };
    if (!settings.allowLoopbackHttp)
      return { path, message: 'plain http is not allowed on this stage; use https' };
    return undefined;
  }
  return { path, message: 'must be an https URL' };
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * A Secrets Manager secret ARN or name under the stage's credentials prefix (checked by its form
 * only: it is resolved by the driver, never here). The functions that read such secrets may read
 * that prefix and nothing else, so a reference outside it would only fail later, at deploy time.
 */
export function secretReferenceIssue(value: string, path: string, prefix: string): FieldIssue | undefined {
  const name = value.startsWith('arn:')
    ? SECRET_ARN.test(value)
      ? value.split(':secret:')[1]
      : undefined
    : value;
  if (name === undefined || !SECRET_NAME.test(name))
    return { path, message: 'a Secrets Manager secret ARN or name' };
  return name.startsWith(prefix) && name.length > prefix.length
    ? undefined
    : { path, message: `a secret whose name starts with ${prefix}` };
}

/** Throws `InvalidInputError` listing every issue, when there is one. */
export function rejectIssues(message: string, issues: ReadonlyArray<FieldIssue | undefined>): void {
  const fields = issues.filter((issue): issue is FieldIssue => issue !== undefined);
  if (fields.length > 0) throw new InvalidInputError(message, fields);
}
