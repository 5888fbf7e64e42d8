import { type App, Tags } from 'aws-cdk-lib';
import { stackName } from './config/names.ts';
import { resolveStage } from './config/resolve-stage.ts';
import type { StageConfig } from './config/stages.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { DeploymentsStack } from './stacks/deployments-stack.ts';
import { GdprStack } from './stacks/gdpr-stack.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';
import { RouteHostStack } from './stacks/route-host-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';

export interface NimbusStacks {
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
 * Adds every Nimbus stack to an app, for the stage its context names (`-c stage=...`).
 * `bin/nimbus.ts` and the CDK tests both build the app through here, so the tests see exactly
 * what `cdk deploy` deploys.
 */
export function addNimbusStacks(app: App): NimbusStacks {
  // `-c redisRestUrl=...` points the functions at another Upstash endpoint (an operator's
  // database, or the local bridge as seen from inside a Docker-run emulator).
  const config = resolveStage(app.node.tryGetContext('stage'), {
    redisRestUrl: app.node.tryGetContext('redisRestUrl'),
    alarmEmails: app.node.tryGetContext('alarmEmails'),
    alarmWebhooks: app.node.tryGetContext('alarmWebhooks'),
  });
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

  const stateful = new StatefulStack(app, stackName(config.stage, 'Stateful'), { config, env });
  const api = new ApiStack(app, stackName(config.stage, 'Api'), { config, env, stateful });
  // The API functions read the tables and secrets created by the stateful stack.
  api.addStackDependency(stateful, 'functions are bound to its tables and secrets');
  // Route functions (lib/config/route-hosting.ts): each grants the API stack's REST API the invoke,
  // and the API's methods find them by name, so no reference goes back.
  const rollbackAlarms = [api.alarms.api5xx()];
  const hostProps = {
    config,
    env,
    stateful,
    api: api.routeApi.api,
    alertTopic: api.alarms.topic,
    signingKeyRotation: api.signingKeyRotation,
    rollbackAlarms,
  } as const;
  const identity = new RouteHostStack(app, stackName(config.stage, 'Identity'), {
    ...hostProps,
    role: 'Identity',
  });
  const platform = new RouteHostStack(app, stackName(config.stage, 'Platform'), {
    ...hostProps,
    role: 'Platform',
  });
  for (const host of [identity, platform])
    host.addStackDependency(api, 'its functions grant the API stack REST API the invoke');
  const gdpr = new GdprStack(app, stackName(config.stage, 'Gdpr'), {
    config,
    env,
    stateful,
    alertTopic: api.alarms.topic,
    api: api.routeApi.api,
    rollbackAlarms,
  });
  // Its alarms go to the API stack's topic and its route functions grant that API the invoke; the
  // API's methods find those functions by name (lib/config/names.ts), so no reference goes back.
  gdpr.addStackDependency(api, 'its alarms publish to the API stack alarm topic');
  const deployments = new DeploymentsStack(app, stackName(config.stage, 'Deployments'), {
    config,
    env,
    stateful,
    api: api.routeApi.api,
    alertTopic: api.alarms.topic,
    rollbackAlarms,
  });
  // Its route functions are invoked by the API's methods (which name them, no reference back) and
  // grant that API the invoke; its alarms publish to the API stack's topic.
  deployments.addStackDependency(api, 'its functions grant the API stack REST API the invoke');
  const observability = new ObservabilityStack(app, stackName(config.stage, 'Observability'), {
    config,
    env,
    api: api.routeApi.api,
    alertTopic: api.alarms.topic,
  });
  // Last: it watches every other stack (by metric names, not references) and calls the API.
  observability.addStackDependency(identity, 'its health canary calls routes whose functions it holds');
  observability.addStackDependency(platform, 'its health canary calls routes whose functions it holds');
  observability.addStackDependency(gdpr, 'its dashboard shows the GDPR queues, which must exist first');
  observability.addStackDependency(deployments, 'its dashboard shows the saga and its queues');

  Tags.of(app).add('project', 'nimbus');
  Tags.of(app).add('stage', config.stage);
  return { config, stateful, api, identity, platform, gdpr, deployments, observability };
}
