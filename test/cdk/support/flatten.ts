import assert from 'node:assert/strict';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BuiltApp } from './build-app.ts';

type Json = Record<string, unknown>;
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties: Json;
}

/** Replaces, at any depth, every object equal (as JSON) to a key of `swaps` by its value. */
function substitute(value: unknown, swaps: ReadonlyMap<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((item) => substitute(item, swaps));
  if (typeof value !== 'object' || value === null) return value;
  const swapped = swaps.get(JSON.stringify(value));
  if (swapped !== undefined) return swapped;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, swaps)]));
}

/**
 * The API stack and the nested stacks holding the route functions, as one template: a nested
 * stack's parameters are replaced by what the parent passes in, and the parent's reads of a nested
 * output by the output's value, so the tests see `Fn::GetAtt [<function>, Arn]` and the stateful
 * stack's imports wherever they end up.
 */
export function flattened(built: BuiltApp): Record<string, CfnResourceJson> {
  const parent = Template.fromStack(built.api).toJSON() as { Resources: Record<string, CfnResourceJson> };
  const fromOutputs = new Map<string, unknown>();
  const merged: Record<string, CfnResourceJson> = {};
  for (const nested of built.api.routeApi.functionStacks.values()) {
    const resourceId = built.api.getLogicalId(nested.nestedStackResource as CfnElement);
    const stackResource = parent.Resources[resourceId];
    assert.ok(stackResource, resourceId);
    const parameters = (stackResource.Properties.Parameters ?? {}) as Json;
    const fromParameters = new Map(
      Object.entries(parameters).map(([name, value]) => [JSON.stringify({ Ref: name }), value]),
    );
    const json = Template.fromStack(nested).toJSON() as {
      Resources: Record<string, CfnResourceJson>;
      Outputs?: Record<string, { Value: unknown }>;
    };
    for (const [id, resource] of Object.entries(json.Resources))
      merged[id] = substitute(resource, fromParameters) as CfnResourceJson;
    for (const [name, output] of Object.entries(json.Outputs ?? {}))
      fromOutputs.set(JSON.stringify({ 'Fn::GetAtt': [resourceId, `Outputs.${name}`] }), output.Value);
  }
  for (const [id, resource] of Object.entries(parent.Resources))
    merged[id] = substitute(resource, fromOutputs) as CfnResourceJson;
  return merged;
}
