import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { REPO_ROOT } from '../../../lib/config/names.ts';
import type { Stage, StageConfig } from '../../../lib/config/stages.ts';
import type { FeatureFunction } from '../../../lib/constructs/feature-function.ts';
import { addNimbusStacks } from '../../../lib/nimbus-app.ts';
import type { ApiStack } from '../../../lib/stacks/api-stack.ts';
import type { DeploymentsStack } from '../../../lib/stacks/deployments-stack.ts';
import type { GdprStack } from '../../../lib/stacks/gdpr-stack.ts';
import type { ObservabilityStack } from '../../../lib/stacks/observability-stack.ts';
import type { RouteHostStack } from '../../../lib/stacks/route-host-stack.ts';
import type { StatefulStack } from '../../../lib/stacks/stateful-stack.ts';

/** The context `cdk synth` passes the app: cdk.json's feature flags, plus the stage. */
export function cdkContext(stage: Stage): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return { ...cdkJson.context, stage };
}

export interface BuiltApp {
  readonly app: App;
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly api: ApiStack;
  readonly identity: RouteHostStack;
  readonly platform: RouteHostStack;
  readonly gdpr: GdprStack;
  readonly deployments: DeploymentsStack;
  readonly observability: ObservabilityStack;
}

/**
 * Builds the app as bin/nimbus.ts does (through `addNimbusStacks`). Functions are bundled by
 * esbuild on the host, so build once per test file.
 */
export function buildApp(
  stage: Stage,
  props: Omit<AppProps, 'context'> = {},
  context: Readonly<Record<string, unknown>> = {},
): BuiltApp {
  const app = new App({ ...props, context: { ...cdkContext(stage), ...context } });
  return { app, ...addNimbusStacks(app) };
}

/** The stacks that hold route functions (lib/config/route-hosting.ts). */
export function routeHostStacks(built: BuiltApp) {
  return [built.identity, built.platform, built.gdpr, built.deployments] as const;
}

/** Every route's function, by route id, whichever stack holds it. */
export function routeFunctionsOf(built: BuiltApp): ReadonlyMap<string, FeatureFunction> {
  const all = new Map<string, FeatureFunction>();
  for (const host of routeHostStacks(built))
    for (const [routeId, fn] of host.routeFunctions.functions) all.set(routeId, fn);
  return all;
}
