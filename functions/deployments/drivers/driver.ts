import type { Deployment, DriverName, Target } from '../domain/model.ts';

/**
 * How the saga acts on a target. A driver answers at once with a terminal result, or accepts and
 * reports later through the signed callback route (`callbackUrl`), which resolves the deploy
 * step's task token. New target types plug in here behind the same three calls.
 */
export type DriverResult =
  | { readonly status: 'succeeded' | 'failed'; readonly message: string }
  | { readonly status: 'accepted' };

export interface DriverCall {
  readonly target: Target;
  readonly deployment: Deployment;
  /** The stack version's template with its configuration filled in. */
  readonly rendered: string;
  /** Where the target's agent reports an accepted action's outcome. */
  readonly callbackUrl: string;
}

export type DriverAction = 'deploy' | 'undo' | 'health';

export interface Driver {
  /** Applies the deployment's rendered configuration on the target. */
  deploy(call: DriverCall): Promise<DriverResult>;
  /** Puts the target back as it was before this deployment; doing it twice is harmless. */
  undo(call: DriverCall): Promise<DriverResult>;
  /** Whether the deployed version answers as it should. */
  health(call: DriverCall): Promise<DriverResult>;
}

/** The drivers this stage offers, by name; a name the stage does not allow has no driver. */
export type DriverRegistry = (name: DriverName) => Driver | undefined;
