import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps, Tags } from 'aws-cdk-lib';
import { resolveStage, type Stage, type StageConfig } from '../../../lib/config/stages.ts';
import { ApiStack } from '../../../lib/stacks/api-stack.ts';
import { StatefulStack } from '../../../lib/stacks/stateful-stack.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The context `cdk synth` passes the app: cdk.json's feature flags, plus the stage. */
export function cdkContext(stage: Stage): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return { ...cdkJson.context, stage };
}

export interface BuiltApp {
  readonly app: App;
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly api: ApiStack;
}

/**
 * Builds the app exactly as bin/nimbus.ts does (which cannot be imported: it synthesises at module
 * scope). Functions are bundled by esbuild on the host, so build once per test file.
 */
export function buildApp(
  stage: Stage,
  props: Omit<AppProps, 'context'> = {},
  context: Readonly<Record<string, unknown>> = {},
): BuiltApp {
  const app = new App({ ...props, context: { ...cdkContext(stage), ...context } });
  const config = resolveStage(app.node.tryGetContext('stage'), {
    redisRestUrl: app.node.tryGetContext('redisRestUrl'),
  });
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

  const stateful = new StatefulStack(app, `Nimbus-${config.stage}-Stateful`, { config, env });
  const api = new ApiStack(app, `Nimbus-${config.stage}-Api`, { config, env, stateful });
  api.addStackDependency(stateful, 'functions are bound to its tables and secrets');

  Tags.of(app).add('project', 'nimbus');
  Tags.of(app).add('stage', config.stage);
  return { app, config, stateful, api };
}
