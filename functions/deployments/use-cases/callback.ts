import {
  AuthenticationFailedError,
  ConflictingStateError,
  ResourceNotFoundError,
} from '#shared/domain-errors.ts';
import type { Target } from '../domain/model.ts';
import type { DeploymentStore } from '../store/deployments.ts';

export interface CallbackDeps {
  readonly deployments: Pick<DeploymentStore, 'get' | 'getTaskToken' | 'setTaskToken' | 'appendEvent'>;
  readonly target: (targetId: string) => Promise<Target | undefined>;
  /** Whether the signature over the raw body is the target's (its key, a fresh timestamp). */
  readonly verify: (
    target: Target,
    signed: { body: string; timestamp: string | undefined; signature: string | undefined },
  ) => Promise<boolean>;
  /** Resumes the step waiting on `token` with the agent's outcome; throws when the token is no longer waiting. */
  readonly answer: (token: string, outcome: { ok: boolean; reason: string | null }) => Promise<void>;
  readonly now: () => Date;
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
 * resumes (the token never leaves AWS: the agent names the deployment, Nimbus holds the token).
 * A wrong signature and an unknown deployment are told apart only by status, never by detail.
 */
export async function acceptCallback(deps: CallbackDeps, input: AgentCallback): Promise<void> {
  const deployment = await deps.deployments.get(input.deploymentId);
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
  const waiting = await deps.deployments.getTaskToken(deployment.id);
  if (waiting === undefined)
    throw new ConflictingStateError('The deployment is not waiting for a callback', 'not-waiting');
  await deps.deployments.setTaskToken(deployment.id, waiting.step, null);
  await deps.deployments.appendEvent(deployment.id, {
    type: 'deployments.agent.answered',
    at: deps.now().toISOString(),
    step: waiting.step,
    message: `The agent reported ${input.status}`,
    data: { status: input.status, ...(input.message === undefined ? {} : { message: input.message }) },
  });
  try {
    await deps.answer(waiting.token, {
      ok: input.status === 'succeeded',
      reason: input.status === 'succeeded' ? null : (input.message ?? 'The agent reported a failure'),
    });
  } catch {
    // The step timed out or was cancelled meanwhile: the answer came too late.
    throw new ConflictingStateError('The deployment is no longer waiting for a callback', 'not-waiting');
  }
}
