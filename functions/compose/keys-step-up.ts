import { apiKeyRotationSettingsFromEnv } from '#shared/config/api-keys.ts';
import { authDeps } from '../auth/deps.ts';
import { confirmStepUp } from '../auth/use-cases/step-up.ts';
import {
  type CollectKeyDeps,
  type KeyStepUpDeps,
  keyDeps,
  type RotateKeyDeps,
  sealingDeps,
} from '../keys/deps.ts';

/**
 * The composition root of the key routes that hand out a secret (create, rotate, collect): the keys
 * feature with identity's step-up plugged into its `StepUpCheck` port. Like
 * `functions/authorizer/deps.ts`, it is the only place that knows both features, so neither
 * imports the other (docs/decisions/0007-feature-boundaries.md).
 */
export function keyStepUpDeps(): KeyStepUpDeps {
  const identity = authDeps();
  return { ...keyDeps(), confirmStepUp: (request) => confirmStepUp(identity, request) };
}

export function rotateKeyDeps(): RotateKeyDeps {
  return { ...keyStepUpDeps(), rotation: apiKeyRotationSettingsFromEnv() };
}

export function collectKeyDeps(): CollectKeyDeps {
  return { ...keyStepUpDeps(), ...sealingDeps() };
}
