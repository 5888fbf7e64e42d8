import { Template } from 'aws-cdk-lib/assertions';
import { type BuiltApp, routeHostStacks } from './build-app.ts';

type Json = Record<string, unknown>;
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties: Json;
}

/**
 * The resources that serve the routes, by logical id: the API stack's, and those of the stacks
 * holding the route functions (`lib/config/route-hosting.ts`). What the
 * grant and route tests read; logical ids do not collide across them (a test below checks).
 */
export function flattened(built: BuiltApp): Record<string, CfnResourceJson> {
  const merged: Record<string, CfnResourceJson> = {};
  for (const stack of [built.api, ...routeHostStacks(built)]) {
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, CfnResourceJson>;
    for (const [id, resource] of Object.entries(resources)) {
      // Each route stack has its own copy of some shared resources (a release's CodeDeploy
      // application and role): the same resource, so one copy stands for them here.
      const same = JSON.stringify(merged[id]) === JSON.stringify(resource);
      if (id in merged && id !== 'CDKMetadata' && !same)
        throw new Error(`logical id ${id} is in two route stacks`);
      merged[id] = resource;
    }
  }
  return merged;
}
