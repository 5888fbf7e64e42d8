import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { JobName } from '../../functions/jobs/config.ts';
import { jobs } from '../../functions/jobs/jobs.ts';
import { routes } from '../../functions/routes.ts';
import { SECURITY_HEADERS } from '../../functions/shared/http/headers.ts';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { isApiKeyPermission } from '../../functions/shared/rbac.ts';
import type { Stage, StageConfig } from '../../lib/config/stages.ts';
import { staticHeaderValue } from '../../lib/constructs/gateway-responses.ts';
import { type BuiltApp, buildApp, routeFunctionsOf, routeHostStacks } from './support/build-app.ts';
import { flattened } from './support/flatten.ts';

type Json = Record<string, unknown>;
interface CfnResourceJson {
  readonly Type: string;
  readonly Properties: Json;
}

interface Built {
  readonly built: BuiltApp;
  readonly config: StageConfig;
  readonly template: Template;
  readonly resources: Readonly<Record<string, CfnResourceJson>>;
  /** Logical id of each route's function, by route id. */
  readonly functionIds: ReadonlyMap<string, string>;
  readonly fallbackId: string;
}

const builds = new Map<Stage, Built>();
const outdir = mkdtempSync(join(tmpdir(), 'nimbus-api-stack-'));

function build(stage: Stage): Built {
  const built = buildApp(stage, { outdir: join(outdir, stage) });
  const template = Template.fromStack(built.api);
  const logicalId = (element: unknown) => {
    const construct = element as CfnElement;
    return construct.stack.getLogicalId(construct);
  };
  const functionIds = new Map<string, string>();
  // Route functions live in their feature's stacks (lib/config/route-hosting.ts).
  for (const [routeId, fn] of routeFunctionsOf(built))
    functionIds.set(routeId, logicalId(fn.node.defaultChild));
  const fallback = built.api.node.findChild('Routes').node.findChild('Fallback');
  return {
    built,
    config: built.config,
    template,
    resources: flattened(built),
    functionIds,
    fallbackId: logicalId(fallback.node.defaultChild),
  };
}

function stageBuild(stage: Stage): Built {
  const found = builds.get(stage);
  assert.ok(found, `${stage} was built in before()`);
  return found;
}

// Bundling runs esbuild once per function: build each stage once for the whole file.
before(() => {
  for (const stage of ['local', 'prod'] as const) builds.set(stage, build(stage));
});

after(() => rmSync(outdir, { recursive: true, force: true }));

function ofType(b: Built, type: string): Array<[string, Json]> {
  return Object.entries(b.resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties]);
}

/** Full path of every API Gateway resource, by logical id, rebuilt from the ParentId chain. */
function resourcePaths(b: Built): Map<string, string> {
  const parts = new Map(ofType(b, 'AWS::ApiGateway::Resource'));
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const resource = parts.get(id);
    assert.ok(resource, `resource ${id}`);
    const parent = resource.ParentId as { Ref?: string };
    const prefix = parent.Ref === undefined ? '' : pathOf(parent.Ref);
    const path = `${prefix}/${String(resource.PathPart)}`;
    paths.set(id, path);
    return path;
  };
  for (const id of parts.keys()) pathOf(id);
  return paths;
}

function methodPath(b: Built, method: Json): string {
  const resourceId = method.ResourceId as { Ref?: string; 'Fn::GetAtt'?: unknown };
  if (resourceId.Ref === undefined) return '/';
  const path = resourcePaths(b).get(resourceId.Ref);
  assert.ok(path, `path of ${resourceId.Ref}`);
  return path;
}

/**
 * The function a Lambda proxy integration calls (logical id), from its invocation URI: a `GetAtt`
 * of the API stack's own function, or the fixed name of one its feature's stack holds.
 */
function integrationTarget(method: Json, b?: Built): string {
  const integration = method.Integration as {
    Type: string;
    Uri: { 'Fn::Join': [string, unknown[]] } | string;
  };
  assert.equal(integration.Type, 'AWS_PROXY');
  // With an environment (CDK_DEFAULT_ACCOUNT/REGION), a hosted function's URI is a plain string.
  const parts = typeof integration.Uri === 'string' ? [integration.Uri] : integration.Uri['Fn::Join'][1];
  const target = parts.find(
    (part): part is { 'Fn::GetAtt': [string, string] } =>
      typeof part === 'object' && part !== null && 'Fn::GetAtt' in part,
  );
  if (target !== undefined) return target['Fn::GetAtt'][0];
  const name = /:function:([A-Za-z0-9_-]+)/.exec(JSON.stringify(integration.Uri).replace(/","/g, ''))?.[1];
  assert.ok(name !== undefined && b !== undefined, 'integration URI names a function');
  const hosted = ofType(b, 'AWS::Lambda::Function').find(([, fn]) => fn.FunctionName === name);
  assert.ok(hosted, `a stack holds the function named ${name}`);
  return hosted[0];
}

/** The function (logical id) a `FunctionName` reference names: itself, or through its alias. */
function invokedFunction(b: Built, ref: unknown): string | undefined {
  const named = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = named?.Ref ?? named?.['Fn::GetAtt']?.[0];
  if (id === undefined) return undefined;
  const resource = b.resources[id];
  if (resource?.Type === 'AWS::Lambda::Alias')
    return (resource.Properties.FunctionName as { Ref?: string }).Ref;
  return id;
}

function methodsAt(b: Built, path: string, httpMethod: string): Json[] {
  return ofType(b, 'AWS::ApiGateway::Method')
    .map(([, method]) => method)
    .filter((method) => method.HttpMethod === httpMethod && methodPath(b, method) === path);
}

function functionOf(b: Built, route: RouteDef): Json {
  const id = b.functionIds.get(route.id);
  assert.ok(id, `function of ${route.id}`);
  const resource = b.resources[id];
  assert.ok(resource, id);
  return resource.Properties;
}

function envOf(fn: Json): Json {
  return (fn.Environment as { Variables: Json }).Variables;
}

/** Statements of the policies attached to a function's role. */
function statementsOf(b: Built, functionId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  const fn = b.resources[functionId];
  assert.ok(fn);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return ofType(b, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.PolicyDocument as { Statement: [] }).Statement);
}

function actionsOf(statements: ReadonlyArray<{ Action: string | string[] }>): string[] {
  return statements.flatMap((statement) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action],
  );
}

function exportedLogicalIdOf(b: Built, construct: unknown): string {
  return b.built.stateful.getLogicalId(construct as CfnElement);
}

for (const stage of ['local', 'prod'] as const) {
  describe(`ApiStack (${stage}): routes`, () => {
    it('puts each route on its path with its method, integrated with its own function', () => {
      const b = stageBuild(stage);
      const targets = new Set<string>();
      for (const route of routes) {
        const methods = methodsAt(b, route.path, route.method);
        assert.equal(methods.length, 1, `${route.method} ${route.path}`);
        const [method] = methods;
        assert.ok(method);
        assert.equal(method.OperationName, route.id);
        const target = integrationTarget(method, b);
        assert.equal(target, b.functionIds.get(route.id), route.id);
        assert.notEqual(target, b.fallbackId);
        targets.add(target);
      }
      assert.equal(targets.size, routes.length, 'no two routes share a function');
    });

    it('lets API Gateway invoke each route function only for its own method and path', () => {
      const b = stageBuild(stage);
      for (const route of routes) {
        const functionId = b.functionIds.get(route.id);
        // On a stage that releases gradually the permission is the `live` alias's.
        const permissions = ofType(b, 'AWS::Lambda::Permission')
          .map(([, permission]) => permission)
          .filter((permission) => invokedFunction(b, permission.FunctionName) === functionId);
        assert.ok(permissions.length > 0, route.id);
        for (const permission of permissions) {
          assert.equal(permission.Principal, 'apigateway.amazonaws.com');
          assert.equal(permission.Action, 'lambda:InvokeFunction');
          const parts = (permission.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
          // CDK writes each `{param}` of the path as `*` in the source ARN.
          const arnPath = route.path.replace(/\{[^}]*\}/g, '*');
          assert.ok(String(parts.at(-1)).endsWith(`/${route.method}${arnPath}`), JSON.stringify(parts));
        }
      }
    });

    it('sends undeclared methods on every route path, unknown paths and the root to the fallback', () => {
      const b = stageBuild(stage);
      const paths = new Set(routes.map((route) => route.path));
      for (const path of [...paths, '/{proxy+}', '/']) {
        const any = methodsAt(b, path, 'ANY');
        assert.equal(any.length, 1, `ANY ${path}`);
        assert.equal(integrationTarget(any[0] ?? {}), b.fallbackId, path);
      }
    });

    it('leaves CORS preflights to the fallback: no mock OPTIONS method per path', () => {
      const b = stageBuild(stage);
      for (const path of new Set(routes.map((route) => route.path))) {
        assert.equal(methodsAt(b, path, 'OPTIONS').length, 0, path);
        assert.equal(integrationTarget(methodsAt(b, path, 'ANY')[0] ?? {}), b.fallbackId, path);
      }
    });
  });

  describe(`ApiStack (${stage}): functions`, () => {
    it('runs every route function on Node.js 22, arm64, with the stage memory and timeout', () => {
      const b = stageBuild(stage);
      for (const route of routes) {
        const fn = functionOf(b, route);
        assert.equal(fn.Runtime, 'nodejs22.x', route.id);
        assert.deepEqual(fn.Architectures, ['arm64'], route.id);
        assert.equal(fn.MemorySize, b.config.functions.memoryMb, route.id);
        assert.equal(fn.Timeout, route.timeoutSeconds ?? b.config.functions.timeoutSeconds, route.id);
      }
    });

    it('gives every route function its own log group with the stage retention', () => {
      const b = stageBuild(stage);
      const groups = new Set<string>();
      for (const route of routes) {
        const logGroupId = ((functionOf(b, route).LoggingConfig as Json).LogGroup as { Ref: string }).Ref;
        const logGroup = b.resources[logGroupId];
        assert.equal(logGroup?.Type, 'AWS::Logs::LogGroup', route.id);
        assert.equal(logGroup?.Properties.RetentionInDays, b.config.logRetentionDays, route.id);
        groups.add(logGroupId);
      }
      assert.equal(groups.size, routes.length);
    });

    it('sets the Powertools and Nimbus environment from the stage config', () => {
      const b = stageBuild(stage);
      for (const route of routes) {
        const env = envOf(functionOf(b, route));
        assert.equal(env.POWERTOOLS_SERVICE_NAME, `nimbus-${route.id.split('.')[0]}`, route.id);
        assert.equal(env.POWERTOOLS_LOG_LEVEL, b.config.logLevel);
        assert.equal(env.POWERTOOLS_METRICS_NAMESPACE, 'Nimbus');
        assert.equal(env.POWERTOOLS_TRACE_ENABLED, String(b.config.features.xray));
        assert.equal(env.NIMBUS_STAGE, stage);
        assert.equal(env.NIMBUS_CORS_ORIGINS, b.config.api.corsOrigins.join(','));
        assert.equal(env.NIMBUS_MAX_BODY_BYTES, String(b.config.api.maxBodyBytes));
      }
    });

    it(`${stage === 'prod' ? 'enables' : 'does not enable'} active X-Ray tracing on the functions`, () => {
      const b = stageBuild(stage);
      for (const [, fn] of ofType(b, 'AWS::Lambda::Function')) {
        const mode = (fn.TracingConfig as { Mode?: string } | undefined)?.Mode;
        if (stage === 'prod') assert.equal(mode, 'Active');
        else assert.notEqual(mode, 'Active');
      }
    });
  });

  describe(`ApiStack (${stage}): least privilege`, () => {
    it('lets health-ready read the app table, and nothing more of it', () => {
      const b = stageBuild(stage);
      const statements = statementsOf(b, b.functionIds.get('platform.healthReady') ?? '');
      const appTableId = exportedLogicalIdOf(b, b.built.stateful.appTable.node.defaultChild);
      const onAppTable = statements.filter((statement) =>
        JSON.stringify(statement.Resource).includes(appTableId),
      );
      const actions = actionsOf(onAppTable);

      assert.ok(actions.includes('dynamodb:GetItem'), actions.join());
      assert.ok(actions.includes('dynamodb:Query'), actions.join());
      for (const write of [
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:*',
      ]) {
        assert.ok(!actionsOf(statements).includes(write), `no ${write}`);
      }
    });

    it('lets health-ready read the Upstash secret, and not change it', () => {
      const b = stageBuild(stage);
      const statements = statementsOf(b, b.functionIds.get('platform.healthReady') ?? '');
      const secretId = exportedLogicalIdOf(b, b.built.stateful.upstashSecret.node.defaultChild);
      const onSecret = statements.filter((statement) =>
        JSON.stringify(statement.Resource).includes(secretId),
      );

      assert.ok(actionsOf(onSecret).includes('secretsmanager:GetSecretValue'));
      assert.ok(
        !actionsOf(statements).some((action) => /^secretsmanager:(Put|Update|Delete|Rotate)/.test(action)),
      );
    });

    it('gives health-ready no access to the events table', () => {
      const b = stageBuild(stage);
      const statements = statementsOf(b, b.functionIds.get('platform.healthReady') ?? '');
      const eventsTableId = exportedLogicalIdOf(b, b.built.stateful.eventsTable.node.defaultChild);

      assert.ok(!JSON.stringify(statements).includes(eventsTableId));
    });

    it('gives functions without needs no data access at all', () => {
      const b = stageBuild(stage);
      const withoutNeeds = routes.filter((route) => (route.needs ?? []).length === 0);
      assert.ok(withoutNeeds.length > 0);
      for (const functionId of [
        ...withoutNeeds.map((route) => b.functionIds.get(route.id) ?? ''),
        b.fallbackId,
      ]) {
        const actions = actionsOf(statementsOf(b, functionId));
        assert.deepEqual(
          actions.filter((action) => !action.startsWith('xray:')),
          [],
          functionId,
        );
      }
    });

    it('points health-ready at the app table, the Upstash secret and the stage Redis', () => {
      const b = stageBuild(stage);
      const ready = routes.find((route) => route.id === 'platform.healthReady');
      assert.ok(ready);
      const env = envOf(functionOf(b, ready));

      assert.match(JSON.stringify(env.APP_TABLE_NAME), /AppTable/);
      assert.match(JSON.stringify(env.UPSTASH_TOKEN_SECRET_ARN), /UpstashSecret/);
      assert.equal(env.UPSTASH_REDIS_REST_URL, b.config.redis.restUrl);
      assert.equal(env.NIMBUS_HEALTH_TIMEOUT_MS, String(b.config.redis.healthTimeoutMs));
      assert.equal(env.UPSTASH_REDIS_REST_TOKEN, undefined, 'the token never sits in the configuration');
    });

    it('lets exactly the rate-limited functions read the rate-limit identifier key, and not change it', () => {
      const b = stageBuild(stage);
      const keyId = exportedLogicalIdOf(b, b.built.stateful.rateLimitKeySecret.node.defaultChild);

      for (const route of routes) {
        const statements = statementsOf(b, b.functionIds.get(route.id) ?? '');
        const onKey = statements.filter((statement) => JSON.stringify(statement.Resource).includes(keyId));
        const env = envOf(functionOf(b, route));
        if (route.rateLimit.length > 0) {
          assert.ok(actionsOf(onKey).includes('secretsmanager:GetSecretValue'), route.id);
          assert.match(JSON.stringify(env.RATE_LIMIT_KEY_SECRET_ARN), /RateLimitKey/, route.id);
          assert.equal(env.NIMBUS_RATE_LIMIT_ID_KEY, undefined, 'the key never sits in the configuration');
        } else {
          assert.deepEqual(onKey, [], route.id);
          assert.equal(env.RATE_LIMIT_KEY_SECRET_ARN, undefined, route.id);
        }
      }
    });

    it('lets audit appenders get or create personal keys and audit readers open them, and no route delete one', () => {
      const b = stageBuild(stage);
      const keysId = exportedLogicalIdOf(b, b.built.stateful.personalKeysTable.node.defaultChild);
      const dataKeyId = exportedLogicalIdOf(b, b.built.stateful.dataKeySecret.node.defaultChild);

      for (const route of routes) {
        const statements = statementsOf(b, b.functionIds.get(route.id) ?? '');
        const onKeys = actionsOf(statements.filter((s) => JSON.stringify(s.Resource).includes(keysId)));
        const onDataKey = actionsOf(statements.filter((s) => JSON.stringify(s.Resource).includes(dataKeyId)));
        const env = envOf(functionOf(b, route));
        const needs = route.needs ?? [];
        if (needs.includes('events:append') || needs.includes('events:read')) {
          assert.ok(onKeys.includes('dynamodb:GetItem'), route.id);
          assert.equal(onKeys.includes('dynamodb:PutItem'), needs.includes('events:append'), route.id);
          assert.ok(onDataKey.includes('secretsmanager:GetSecretValue'), route.id);
          assert.match(JSON.stringify(env.PERSONAL_KEYS_TABLE_NAME), /PersonalKeysTable/, route.id);
        } else if (needs.includes('tables:probe')) {
          // The health probes read one well-known item of each table, and nothing else.
          assert.deepEqual(onKeys, ['dynamodb:GetItem'], route.id);
        } else {
          assert.deepEqual(onKeys, [], route.id);
          assert.equal(env.PERSONAL_KEYS_TABLE_NAME, undefined, route.id);
        }
        assert.ok(!onKeys.some((a) => /Delete|Update|BatchWrite/.test(a)), `${route.id}: ${onKeys.join()}`);
      }
    });

    it('gives audit appenders the audit personal-field retention from the stage config', () => {
      const b = stageBuild(stage);
      const appender = routes.find((route) => (route.needs ?? []).includes('events:append'));
      assert.ok(appender);

      assert.equal(
        envOf(functionOf(b, appender)).NIMBUS_AUDIT_PERSONAL_RETENTION_DAYS,
        String(b.config.privacy.auditPersonalRetentionDays),
      );
    });
  });

  describe(`ApiStack (${stage}): signing-key rotation`, () => {
    it('lets only the rotate route (and the rotation function) change the signing-key secret', () => {
      const b = stageBuild(stage);
      const secretId = exportedLogicalIdOf(b, b.built.stateful.signingKeysSecret.node.defaultChild);
      const changes = /^secretsmanager:(PutSecretValue|UpdateSecretVersionStage|RotateSecret)$/;

      for (const route of routes) {
        const statements = statementsOf(b, b.functionIds.get(route.id) ?? '');
        const onSecret = statements.filter((statement) =>
          JSON.stringify(statement.Resource).includes(secretId),
        );
        const writes = actionsOf(onSecret).some((action) => changes.test(action));
        assert.equal(writes, route.id === 'auth.rotateSigningKeys', route.id);
      }
    });

    it(`${stage === 'prod' ? 'lets' : 'does not let'} the rotate route call RotateSecret, and tells it who rotates`, () => {
      const b = stageBuild(stage);
      const rotate = routes.find((route) => route.id === 'auth.rotateSigningKeys');
      const status = routes.find((route) => route.id === 'auth.signingKeysStatus');
      assert.ok(rotate && status);
      const actions = actionsOf(statementsOf(b, b.functionIds.get(rotate.id) ?? ''));
      const rotatedBy = b.config.features.secretRotationSchedule ? 'secrets-manager' : 'nimbus';

      assert.equal(actions.includes('secretsmanager:RotateSecret'), stage === 'prod');
      for (const route of [rotate, status]) {
        assert.equal(envOf(functionOf(b, route)).NIMBUS_SIGNING_KEY_ROTATED_BY, rotatedBy, route.id);
      }
    });

    it(`${stage === 'prod' ? 'schedules' : 'does not schedule'} the rotation function`, () => {
      const b = stageBuild(stage);

      b.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', stage === 'prod' ? 1 : 0);
    });
  });

  describe(`ApiStack (${stage}): stage`, () => {
    it('writes JSON access logs to a log group with the stage retention', () => {
      const b = stageBuild(stage);
      const [[, apiStage] = ['', {}]] = ofType(b, 'AWS::ApiGateway::Stage');
      const accessLogs = apiStage.AccessLogSetting as {
        DestinationArn: { 'Fn::GetAtt': [string, string] };
        Format: string;
      };
      const logGroup = b.resources[accessLogs.DestinationArn['Fn::GetAtt'][0]];

      assert.equal(apiStage.StageName, stage);
      assert.equal(logGroup?.Type, 'AWS::Logs::LogGroup');
      assert.equal(logGroup?.Properties.RetentionInDays, b.config.logRetentionDays);
      assert.match(accessLogs.Format, /\$context\.requestId/);
      assert.doesNotThrow(() => JSON.parse(accessLogs.Format));
    });

    it('throttles the stage as configured', () => {
      const b = stageBuild(stage);
      b.template.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: b.config.api.throttleRateLimit,
            ThrottlingBurstLimit: b.config.api.throttleBurstLimit,
            MetricsEnabled: true,
          }),
        ]),
      });
    });

    if (stage === 'prod') {
      it('traces the stage and logs method errors to CloudWatch', () => {
        const b = stageBuild(stage);
        b.template.hasResourceProperties('AWS::ApiGateway::Stage', {
          TracingEnabled: true,
          MethodSettings: Match.arrayWith([
            Match.objectLike({ LoggingLevel: 'ERROR', DataTraceEnabled: false }),
          ]),
        });
      });
    } else {
      it('leaves the stage untraced, as the emulator has no X-Ray', () => {
        const b = stageBuild(stage);
        b.template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: false });
      });
    }
  });

  describe(`ApiStack (${stage}): alarms`, () => {
    it('alarms on API 5xx at the configured threshold', () => {
      const b = stageBuild(stage);
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Statistic: 'Sum',
        Period: 60,
        Threshold: b.config.alarms.api5xxPerMinute,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [{ Name: 'ApiName', Value: `nimbus-${stage}` }],
      });
    });

    it('alarms on the failures the authorizer counts, not on its Lambda errors (each 401 is a thrown Unauthorized)', () => {
      const b = stageBuild(stage);
      const authorizerId = b.built.api.getLogicalId(
        b.built.api.authorizerFunction.node.defaultChild as CfnElement,
      );
      const onErrors = ofType(b, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
        JSON.stringify(alarm).includes(`"${authorizerId}"`),
      );
      assert.equal(onErrors.length, 0, 'no alarm on the authorizer function’s own metrics');
      // A plain statistic: the local emulator refuses metric-math alarms.
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Nimbus',
        MetricName: 'AuthorizerFailures',
        Statistic: 'Sum',
        Period: 60,
        Threshold: b.config.alarms.lambdaErrorsPerMinute,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: Match.arrayWith([
          { Name: 'service', Value: 'authorizer' },
          { Name: 'stage', Value: stage },
        ]),
      });
    });

    it('alarms on API p99 latency at the configured budget', () => {
      const b = stageBuild(stage);
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        ExtendedStatistic: 'p99',
        Threshold: b.config.alarms.p99LatencyMs,
        ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [{ Name: 'ApiName', Value: `nimbus-${stage}` }],
      });
    });
  });

  describe(`ApiStack (${stage}): gateway responses`, () => {
    it('turns an unknown path (MISSING_AUTHENTICATION_TOKEN) into a 404 problem+json', () => {
      const b = stageBuild(stage);
      b.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
        StatusCode: '404',
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Content-Type': "'application/problem+json'",
          'gatewayresponse.header.Access-Control-Allow-Origin': `'${b.config.api.corsOrigins[0]}'`,
        }),
      });
    });

    it('marks every gateway response not cacheable and maps no header from context.requestId', () => {
      const b = stageBuild(stage);
      const responses = ofType(b, 'AWS::ApiGateway::GatewayResponse');
      assert.ok(responses.length > 0);
      for (const [, response] of responses) {
        const parameters = response.ResponseParameters as Json;
        assert.equal(
          parameters['gatewayresponse.header.Cache-Control'],
          "'no-store'",
          String(response.ResponseType),
        );
        // Not a documented header source; the body's correlationId carries the request id.
        assert.ok(
          !Object.values(parameters).includes('context.requestId'),
          `${String(response.ResponseType)}: ${JSON.stringify(parameters)}`,
        );
        assert.equal(parameters['gatewayresponse.header.x-correlation-id'], undefined);
      }
    });

    // Regression (issue 9): the authorizer's 401/403, throttling's 429 and the 5xx came without
    // the security headers every function response carries.
    it('puts the functions security headers on every gateway response, quotes inside escaped', () => {
      const b = stageBuild(stage);
      const responses = ofType(b, 'AWS::ApiGateway::GatewayResponse');
      const types = responses.map(([, response]) => String(response.ResponseType));
      for (const type of ['UNAUTHORIZED', 'ACCESS_DENIED', 'THROTTLED', 'DEFAULT_4XX', 'DEFAULT_5XX']) {
        assert.ok(types.includes(type), type);
      }
      for (const [, response] of responses) {
        const parameters = response.ResponseParameters as Json;
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
          assert.equal(
            parameters[`gatewayresponse.header.${name}`],
            `'${value.replaceAll("'", "\\'")}'`,
            `${String(response.ResponseType)} ${name}`,
          );
        }
      }
      assert.equal(
        staticHeaderValue("default-src 'none'; frame-ancestors 'none'"),
        "'default-src \\'none\\'; frame-ancestors \\'none\\''",
      );
    });

    it('renders every gateway response template to a problem document', () => {
      const b = stageBuild(stage);
      const responses = ofType(b, 'AWS::ApiGateway::GatewayResponse');
      assert.ok(responses.length > 0);
      for (const [, response] of responses) {
        const template = (response.ResponseTemplates as Json)['application/json'];
        // What API Gateway substitutes at runtime.
        const rendered = String(template)
          .replaceAll('$context.resourcePath', '/v1/nope')
          .replaceAll('$context.requestId', 'c0ffee00-0000-4000-8000-000000000000');
        const problem = JSON.parse(rendered) as Json;

        assert.match(
          String(problem.type),
          /^https:\/\/nimbus\.dev\/problems\/[a-z-]+$/,
          String(response.ResponseType),
        );
        assert.equal(typeof problem.title, 'string');
        assert.ok(String(problem.detail).length > 10, 'a fixed, human detail');
        assert.ok(!String(problem.detail).includes('$'), 'no unrendered variable in the detail');
        assert.equal(problem.instance, '/v1/nope');
        assert.equal(problem.correlationId, 'c0ffee00-0000-4000-8000-000000000000');
        if (response.StatusCode !== undefined) assert.equal(String(problem.status), response.StatusCode);
        assert.equal(
          (response.ResponseParameters as Json)['gatewayresponse.header.Content-Type'],
          "'application/problem+json'",
        );
      }
    });
  });

  describe(`ApiStack (${stage}): authorizers`, () => {
    const authorizers = (b: Built) => new Map(ofType(b, 'AWS::ApiGateway::Authorizer'));
    const authorizerOf = (b: Built, route: RouteDef): string | undefined => {
      const [method] = methodsAt(b, route.path, route.method);
      return (method?.AuthorizerId as { Ref?: string } | undefined)?.Ref;
    };
    const principalRoutes = routes.filter((route) => route.auth === 'principal');

    it('keeps an uncached authorizer without identity sources on every route an API key may pass', () => {
      const b = stageBuild(stage);
      for (const route of principalRoutes.filter((r) => r.permission && isApiKeyPermission(r.permission))) {
        const id = authorizerOf(b, route);
        assert.ok(id, route.id);
        const props = authorizers(b).get(id);
        assert.equal(props?.AuthorizerResultTtlInSeconds, 0, route.id);
        // CDK renders "no identity sources" as an empty string.
        assert.equal(props?.IdentitySource || undefined, undefined, route.id);
      }
      assert.ok(principalRoutes.some((r) => r.permission && isApiKeyPermission(r.permission)));
    });

    it(
      stage === 'prod'
        ? 'caches the answer by the Authorization header, for the configured TTL, on user-only routes'
        : 'leaves the gateway cache off everywhere when the stage sets no TTL',
      () => {
        const b = stageBuild(stage);
        const ttl = b.config.api.authorizerCacheSeconds;
        assert.equal(ttl > 0, stage === 'prod');
        for (const route of principalRoutes.filter(
          (r) => r.permission && !isApiKeyPermission(r.permission),
        )) {
          const props = authorizers(b).get(authorizerOf(b, route) ?? '');
          assert.ok(props, route.id);
          assert.equal(props.Type, 'REQUEST', route.id);
          assert.equal(props.AuthorizerResultTtlInSeconds, ttl, route.id);
          assert.equal(
            props.IdentitySource || undefined,
            ttl > 0 ? 'method.request.header.Authorization' : undefined,
            route.id,
          );
        }
        assert.equal(authorizers(b).size, ttl > 0 ? 2 : 1);
      },
    );

    it('runs both authorizers on the one authorizer function', () => {
      const b = stageBuild(stage);
      const authorizerFn = b.built.api.getLogicalId(
        b.built.api.authorizerFunction.node.defaultChild as CfnElement,
      );
      const invoked = b.built.api.authorizerRelease.live.node.defaultChild as CfnElement;
      const invokedId = b.built.api.getLogicalId(invoked);
      // Gradual stages invoke the function's `live` alias, which names the function.
      assert.equal(invokedFunction(b, { Ref: invokedId }), authorizerFn);
      for (const [, props] of authorizers(b)) {
        assert.match(JSON.stringify(props.AuthorizerUri), new RegExp(`"${invokedId}"`));
      }
    });
  });
}

for (const stage of ['local', 'prod'] as const) {
  describe(`ApiStack (${stage}): scheduled jobs`, () => {
    const jobFunctionId = (b: Built, name: JobName): string => {
      const job = b.built.api.jobs.get(name);
      assert.ok(job, name);
      return b.built.api.getLogicalId(job.function.node.defaultChild as CfnElement);
    };
    const alarmTopicId = (b: Built) =>
      b.built.api.getLogicalId(b.built.api.alarms.topic.node.defaultChild as CfnElement);

    it('fires each job from its own rule on the stage schedule', () => {
      const b = stageBuild(stage);
      const own = b.template.toJSON().Resources as Record<string, unknown>;
      const rules = ofType(b, 'AWS::Events::Rule').filter(([id]) => id in own);
      // The retention cleanup is the GDPR stack's (test/cdk/gdpr-stack.test.ts).
      const apiJobs = jobs.filter((def) => def.stack === 'Api');
      assert.equal(rules.length, apiJobs.length);
      for (const job of apiJobs) {
        const matching = rules.filter(([, rule]) =>
          JSON.stringify(rule.Targets).includes(`"${jobFunctionId(b, job.name)}"`),
        );
        assert.equal(matching.length, 1, job.id);
        assert.equal(matching[0]?.[1].ScheduleExpression, b.config.jobs.schedules[job.name], job.id);
        assert.equal(matching[0]?.[1].State, 'ENABLED', job.id);
      }
    });

    it('lets the expiry watch publish to the alarm topic, and of the routes only the test alert', () => {
      const b = stageBuild(stage);
      const topicId = alarmTopicId(b);
      const publishesToTopic = (functionId: string) =>
        statementsOf(b, functionId).some(
          (s) => actionsOf([s]).includes('sns:Publish') && JSON.stringify(s.Resource).includes(topicId),
        );
      const watch = jobFunctionId(b, 'expiryWatch');

      assert.ok(publishesToTopic(watch));
      assert.match(
        JSON.stringify(envOf(b.resources[watch]?.Properties ?? {}).ALERT_TOPIC_ARN),
        new RegExp(topicId),
      );
      assert.ok(!publishesToTopic(jobFunctionId(b, 'rotateDue')));
      // Only a route that declares it may publish: the admin's test alert.
      for (const route of routes)
        assert.equal(
          publishesToTopic(b.functionIds.get(route.id) ?? ''),
          (route.needs ?? []).includes('alerts:publish'),
          route.id,
        );
      assert.deepEqual(
        routes.filter((route) => (route.needs ?? []).includes('alerts:publish')).map((route) => route.id),
        ['monitoring.alertTest'],
      );
    });

    it('lets the expiry watch read keys and append to the audit trail, and change nothing else', () => {
      const b = stageBuild(stage);
      const statements = statementsOf(b, jobFunctionId(b, 'expiryWatch'));
      const actions = actionsOf(statements);
      const appTableId = exportedLogicalIdOf(b, b.built.stateful.appTable.node.defaultChild);
      const onAppTable = actionsOf(statements.filter((s) => JSON.stringify(s.Resource).includes(appTableId)));

      assert.ok(actions.includes('dynamodb:PutItem'), 'appends audit events');
      assert.ok(!onAppTable.some((a) => /Put|Update|Delete|BatchWrite/.test(a)), onAppTable.join());
      assert.ok(!actions.some((a) => /^secretsmanager:(Put|Update|Delete|Rotate)/.test(a)), actions.join());
    });

    it('lets the rotation job move the signing-key stages, read the data key (it seals rotated API-key secrets), and touch no other secret', () => {
      const b = stageBuild(stage);
      const statements = statementsOf(b, jobFunctionId(b, 'rotateDue'));
      const signingKeysId = exportedLogicalIdOf(b, b.built.stateful.signingKeysSecret.node.defaultChild);
      const onSigningKeys = actionsOf(
        statements.filter((s) => JSON.stringify(s.Resource).includes(signingKeysId)),
      );
      for (const action of ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']) {
        assert.ok(onSigningKeys.includes(action), action);
      }
      const dataKeyId = exportedLogicalIdOf(b, b.built.stateful.dataKeySecret.node.defaultChild);
      const onDataKey = actionsOf(statements.filter((s) => JSON.stringify(s.Resource).includes(dataKeyId)));
      assert.ok(onDataKey.includes('secretsmanager:GetSecretValue'), onDataKey.join());
      assert.ok(
        !onDataKey.some((a) => /^secretsmanager:(Put|Update|Delete|Rotate)/.test(a)),
        onDataKey.join(),
      );
      const rateLimitKeyId = exportedLogicalIdOf(b, b.built.stateful.rateLimitKeySecret.node.defaultChild);
      assert.ok(!JSON.stringify(statements).includes(rateLimitKeyId), rateLimitKeyId);
    });

    it('gives the job settings to the expiry watch from the stage config', () => {
      const b = stageBuild(stage);
      const env = envOf(b.resources[jobFunctionId(b, 'expiryWatch')]?.Properties ?? {});
      assert.equal(env.NIMBUS_EXPIRY_WARNING_DAYS, String(b.config.jobs.expiryWarningDays));
      assert.equal(env.NIMBUS_SIGNING_KEY_GRACE_DAYS, String(b.config.jobs.signingKeyGraceDays));
    });

    it('alarms on the first failed step of the signing-key rotation function', () => {
      const b = stageBuild(stage);
      const rotationId = b.built.api.getLogicalId(
        b.built.api.signingKeyRotation.function.node.defaultChild as CfnElement,
      );
      b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Threshold: 1,
        EvaluationPeriods: 1,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: rotationId } }],
        AlarmActions: [{ Ref: alarmTopicId(b) }],
      });
    });

    it('alarms on the first failed run of each job', () => {
      const b = stageBuild(stage);
      for (const job of jobs.filter((def) => def.stack === 'Api')) {
        b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'Errors',
          Namespace: 'AWS/Lambda',
          Threshold: 1,
          EvaluationPeriods: 1,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: jobFunctionId(b, job.name) } }],
          AlarmActions: [{ Ref: alarmTopicId(b) }],
        });
      }
    });
  });
}

describe('CloudFormation limits', () => {
  // A stack holds at most 500 resources: the API stack adds a method or two per route, a route
  // host stack about six per route function (function, role, policy, log group, permission), and
  // three more where the stage releases gradually (version, alias, deployment group, rollback
  // alarm), so the table's growth shows here before a deploy fails.
  for (const stage of ['local', 'prod'] as const) {
    it(`keeps every ${stage} stack under 500 resources`, () => {
      const { built } = stageBuild(stage);
      const stacks = [built.stateful, built.api, ...routeHostStacks(built), built.observability];
      assert.equal(stacks.length, built.app.node.children.filter((c) => c instanceof Stack).length);
      for (const stack of stacks) {
        const count = Object.keys(Template.fromStack(stack).toJSON().Resources ?? {}).length;
        assert.ok(count < 500, `${stack.stackName} has ${count} resources`);
      }
    });
  }
});

describe('tracing', () => {
  it('traces every function of every prod stack with X-Ray, and both state machines', () => {
    const { built, resources } = stageBuild('prod');
    const functions = [
      ...Object.values(resources),
      ...[built.observability].flatMap((stack) =>
        Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, CfnResourceJson>),
      ),
    ].filter((resource) => resource.Type === 'AWS::Lambda::Function');
    assert.ok(functions.length > 40);
    for (const fn of functions)
      assert.deepEqual(
        fn.Properties.TracingConfig,
        { Mode: 'Active' },
        JSON.stringify(fn.Properties.Description),
      );
    for (const stack of [built.gdpr, built.deployments])
      Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
        TracingConfiguration: { Enabled: true },
      });
  });
});

describe('releases (functions.release)', () => {
  /** Every resource of every stack of the build, with the stack it sits in. */
  const everywhere = (b: Built) =>
    b.built.app.node.children
      .filter((c): c is Stack => c instanceof Stack)
      .flatMap((stack) =>
        Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, CfnResourceJson>).map(
          ([id, resource]) => ({ stack, id, resource }),
        ),
      );
  const uriOf = (method: Json): string => JSON.stringify((method.Integration as { Uri: unknown }).Uri);

  it('local releases all at once: no version, alias or deployment group anywhere; methods invoke the functions', () => {
    const b = stageBuild('local');
    assert.equal(b.config.functions.release, 'allAtOnce');
    const types = new Set(everywhere(b).map(({ resource }) => resource.Type));
    for (const type of ['AWS::Lambda::Version', 'AWS::Lambda::Alias', 'AWS::CodeDeploy::DeploymentGroup'])
      assert.ok(!types.has(type), type);
    for (const route of routes) {
      const [method] = methodsAt(b, route.path, route.method);
      assert.ok(method, route.id);
      assert.doesNotMatch(uriOf(method), /:live/, route.id);
    }
  });

  describe('prod: a canary behind the live alias, rolled back on alarm', () => {
    const expectedConfig = 'CodeDeployDefault.LambdaCanary10Percent10Minutes';

    it('invokes every route through its function’s live alias, pointed at the function’s current version', () => {
      const b = stageBuild('prod');
      assert.equal(b.config.functions.release, 'canary10Percent10Minutes');
      for (const route of routes) {
        const [method] = methodsAt(b, route.path, route.method);
        assert.ok(method, route.id);
        assert.match(
          uriOf(method),
          new RegExp(`:function:nimbus-prod-${route.id.replace(/\./g, '-')}:live/invocations`),
        );
        const functionId = b.functionIds.get(route.id);
        const aliases = ofType(b, 'AWS::Lambda::Alias').filter(
          ([, alias]) => (alias.FunctionName as { Ref?: string }).Ref === functionId,
        );
        assert.equal(aliases.length, 1, route.id);
        const [aliasId, alias] = aliases[0] ?? ['', {}];
        assert.equal(alias.Name, 'live');
        const versionId = (alias.FunctionVersion as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const version = b.resources[versionId];
        assert.equal(version?.Type, 'AWS::Lambda::Version');
        assert.deepEqual(version?.Properties.FunctionName, { Ref: functionId });
        // CloudFormation hands the alias's update to CodeDeploy instead of moving it at once.
        const aliasResource = everywhere(b).find(({ id }) => id === aliasId)?.resource as
          | { UpdatePolicy?: { CodeDeployLambdaAliasUpdate?: unknown } }
          | undefined;
        assert.ok(aliasResource?.UpdatePolicy?.CodeDeployLambdaAliasUpdate, route.id);
      }
    });

    it('gives each route a deployment group with the stage canary, rolled back by its own 5xx alarm and the API’s', () => {
      const b = stageBuild('prod');
      const groups = everywhere(b).filter(
        ({ resource }) => resource.Type === 'AWS::CodeDeploy::DeploymentGroup',
      );
      // One per route function, and the authorizer's.
      assert.equal(groups.length, routes.length + 1);
      const alarms = new Map(everywhere(b).map(({ id, resource }) => [id, resource]));
      const api5xxId = b.built.api.getLogicalId(b.built.api.alarms.api5xx().node.defaultChild as CfnElement);
      for (const { stack, resource } of groups) {
        const props = resource.Properties;
        assert.deepEqual(props.DeploymentConfigName, expectedConfig);
        assert.deepEqual(props.DeploymentStyle, {
          DeploymentType: 'BLUE_GREEN',
          DeploymentOption: 'WITH_TRAFFIC_CONTROL',
        });
        const rollback = props.AutoRollbackConfiguration as { Enabled: boolean; Events: string[] };
        assert.equal(rollback.Enabled, true);
        assert.deepEqual([...rollback.Events].sort(), [
          'DEPLOYMENT_FAILURE',
          'DEPLOYMENT_STOP_ON_ALARM',
          'DEPLOYMENT_STOP_ON_REQUEST',
        ]);
        const alarmConfig = props.AlarmConfiguration as {
          Enabled: boolean;
          Alarms: Array<{ Name: unknown }>;
        };
        assert.equal(alarmConfig.Enabled, true);
        const names = JSON.stringify(alarmConfig.Alarms);
        // The API's 5xx alarm: its own stack's reference, an import everywhere else.
        if (stack === b.built.api) assert.match(names, new RegExp(`"${api5xxId}"`));
        else assert.match(names, /Fn::ImportValue/);
        if (stack !== b.built.api) {
          // …and the route's own 5xx alarm, on exactly its method and path.
          const own = alarmConfig.Alarms.map((a) => (a.Name as { Ref?: string }).Ref).filter(
            (ref): ref is string => ref !== undefined,
          );
          assert.equal(own.length, 1, names);
          const alarm = alarms.get(own[0] ?? '');
          assert.ok(alarm, names);
          assert.equal(alarm.Properties.MetricName, '5XXError');
          assert.equal(alarm.Properties.Namespace, 'AWS/ApiGateway');
          assert.equal(alarm.Properties.Threshold, b.config.alarms.api5xxPerMinute);
          const dims = Object.fromEntries(
            (alarm.Properties.Dimensions as Array<{ Name: string; Value: string }>).map((d) => [
              d.Name,
              d.Value,
            ]),
          );
          assert.equal(dims.ApiName, 'nimbus-prod');
          assert.equal(dims.Stage, 'prod');
          assert.ok(
            routes.some((route) => route.method === dims.Method && route.path === dims.Resource),
            JSON.stringify(dims),
          );
        }
      }
    });

    it('lets each route alarm roll back exactly its own route', () => {
      const b = stageBuild('prod');
      const seen = new Set<string>();
      for (const host of routeHostStacks(b.built))
        for (const [routeId, alarm] of host.routeFunctions.rollbackAlarms) {
          const props = Template.fromStack(host).toJSON().Resources[
            host.getLogicalId(alarm.node.defaultChild as CfnElement)
          ].Properties as Json;
          const route = routes.find((r) => r.id === routeId);
          assert.ok(route);
          const dims = props.Dimensions as Array<{ Name: string; Value: string }>;
          assert.deepEqual(
            Object.fromEntries(dims.map((d) => [d.Name, d.Value])),
            { ApiName: 'nimbus-prod', Stage: 'prod', Method: route.method, Resource: route.path },
            routeId,
          );
          seen.add(routeId);
        }
      assert.equal(seen.size, routes.length);
    });
  });
});
