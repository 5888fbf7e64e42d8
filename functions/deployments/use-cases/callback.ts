import {
  AuthenticationFailedError,
  ConflictingStateError,
  ResourceNotFoundError,
} from '#shared/domain-errors.ts';
import type { Deployment, Target } from '../domain/model.ts';

export interface CallbackDeps {
  readonly deployment: (deploymentId: string) => Promise<Deployment | undefined>;
  readonly target: (targetId: string) => Promise<Target | undefined>;
  /** Whether the signature over the raw body is the target's (its key, a fresh timestamp). */
  readonly verify: (
    target: Target,
    signed: { body: string; timestamp: string | undefined; signature: string | undefined },
  ) => Promise<boolean>;
  /**
   * Completes or fails the waiting deploy step (`resolveDeployCallback`, use-cases/saga.ts);
   * `false` when no step waits, or Step Functions no longer knows its token (it timed out).
   */
  readonly resolve: (
    deploymentId: string,
    outcome: { status: 'succeeded' | 'failed'; message: string },
  ) => Promise<boolean>;
}

export interface AgentCallback {
  readonly deploymentId: string;
  readonly rawBody: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly status: 'succeeded' | 'failed';
  readonly message: string | undefined;
}

/**
 * An agent that accepted a deploy (202) reports its outcome: the request must be signed with the
 * deployment target's key, and the deployment must be waiting for it; the waiting step then
 * resumes. The task token never leaves AWS: the agent names the deployment, Nimbus holds the token.
 */
export async function acceptCallback(deps: CallbackDeps, input: AgentCallback): Promise<void> {
  const deployment = await deps.deployment(input.deploymentId);
  const target = deployment === undefined ? undefined : await deps.target(deployment.targetId);
  if (deployment === undefined || target === undefined) throw new ResourceNotFoundError('No such deployment');
  const signed = await deps.verify(target, {
    body: input.rawBody,
    timestamp: input.timestamp,
    signature: input.signature,
  });
  if (!signed)
    throw new AuthenticationFailedError(
      'The callback is not signed with the target key',
      'invalid-signature',
    );
  const message = input.message ?? `the agent reported ${input.status}`;
  const resolved = await deps.resolve(deployment.id, { status: input.status, message });
  if (!resolved)
    throw new ConflictingStateError('The deployment is not waiting for a callback', 'not-waiting');
}
