import { Template } from 'aws-cdk-lib/assertions';
import type { BuiltApp } from './build-app.ts';

type Json = Record<string, unknown>;
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties: Json;
}

/** The API stack's resources by logical id: what the grant and route tests read. */
export function flattened(built: BuiltApp): Record<string, CfnResourceJson> {
  return Template.fromStack(built.api).toJSON().Resources as Record<string, CfnResourceJson>;
}
