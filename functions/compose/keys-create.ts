import { authDeps } from '../auth/deps.ts';
import { confirmStepUp } from '../auth/use-cases/step-up.ts';
import { type CreateKeyDeps, keyDeps } from '../keys/deps.ts';

/**
 * The composition root of key creation: the keys feature with identity's step-up plugged into its
 * `StepUpCheck` port. Like `functions/authorizer/deps.ts`, it is the only place that knows both
 * features, so neither imports the other (docs/decisions/0007-feature-boundaries.md).
 */
export function createKeyDeps(): CreateKeyDeps {
  const identity = authDeps();
  return { ...keyDeps(), confirmStepUp: (request) => confirmStepUp(identity, request) };
}
