#!/usr/bin/env node
import { App, Tags } from 'aws-cdk-lib';
import { resolveStage } from '../lib/config/stages.ts';
import { ApiStack } from '../lib/stacks/api-stack.ts';
import { StatefulStack } from '../lib/stacks/stateful-stack.ts';

const app = new App();
// `-c redisRestUrl=...` points the functions at another Upstash endpoint (an operator's database,
// or the local bridge as seen from inside a Docker-run emulator).
const config = resolveStage(app.node.tryGetContext('stage'), {
  redisRestUrl: app.node.tryGetContext('redisRestUrl'),
});
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

const stateful = new StatefulStack(app, `Nimbus-${config.stage}-Stateful`, { config, env });
const api = new ApiStack(app, `Nimbus-${config.stage}-Api`, { config, env, stateful });
// The API functions read the tables and secrets created by the stateful stack.
api.addStackDependency(stateful, 'functions are bound to its tables and secrets');

Tags.of(app).add('project', 'nimbus');
Tags.of(app).add('stage', config.stage);
