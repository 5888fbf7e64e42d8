import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { authEnvironment } from '../../functions/auth/config.ts';
import {
  CREDENTIALS_PREFIX_ENV,
  DEPLOYMENT_WORKFLOW_ENV,
  deploymentEnvironment,
} from '../../functions/deployments/config.ts';
import { sagaEnvironment } from '../../functions/deployments/saga-config.ts';
import { GDPR_WORKFLOW_ENV, gdprEnvironment } from '../../functions/gdpr/config.ts';
import { jobsEnvironment } from '../../functions/jobs/config.ts';
import { apiKeyRotationEnvironment } from '../../functions/shared/config/api-keys.ts';
import { BINDING_ENV } from '../../functions/shared/config/bindings.ts';
import {
  alarmsEnvironment,
  configSummaryEnvironment,
  observedWorkflowsEnvironment,
} from '../../functions/shared/config/monitoring.ts';
import { privacyEnvironment } from '../../functions/shared/config/privacy.ts';
import { rateLimitEnvironment } from '../../functions/shared/config/rate-limits.ts';
import { redisEnvironment } from '../../functions/shared/config/redis.ts';
import { sloEnvironment } from '../../functions/shared/config/slo.ts';
import type { ResourceNeed, RouteDef } from '../../functions/shared/http/route.ts';
import {
  alarmNamePrefix,
  deploymentCredentialsPrefix,
  deploymentResourceNames,
  gdprResourceNames,
} from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { configSummary } from '../config/summary.ts';
import type { FeatureFunction } from '../constructs/feature-function.ts';
import type { SigningKeyRotation } from '../constructs/signing-key-rotation.ts';
import type { StatefulStack } from './stateful-stack.ts';

export type Bind = (fn: FeatureFunction, needs: readonly ResourceNeed[]) => void;

/**
 * Each `needs` entry of a route or a job becomes exactly one binding: env var + narrowest grant.
 * The variables' names and formats come from the modules the functions read them with. Routes
 * and jobs share this one map, so a need means the same grant wherever it is declared.
 */
export function needBinder(
  config: StageConfig,
  stateful: StatefulStack,
  resources: {
    readonly alertTopic: ITopic;
    /** The signing-key rotation, which grants what reading and rotating the key set need. */
    readonly signingKeyRotation: () => SigningKeyRotation;
    /**
     * The API's public base URL, where target agents call back (`deployments:saga`); only the
     * Deployments stack binds that need. @default none
     */
    readonly deploymentCallbackBaseUrl?: string;
  },
): Bind {
  const { appTable, eventsTable, personalKeysTable, appTableIndexes } = stateful;
  const setEnvironment = (fn: FeatureFunction, environment: Record<string, string>) => {
    for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
  };
  // The GDPR workflow resources are found by name (lib/config/names.ts): grants name their ARNs.
  const gdprNames = gdprResourceNames(config.stage);
  const queueArn = (fn: FeatureFunction, name: string) =>
    Stack.of(fn).formatArn({ service: 'sqs', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  const sendTo = (fn: FeatureFunction, envName: string, queueName: string) => {
    fn.addEnvironment(envName, queueName);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage', 'sqs:GetQueueUrl'],
        resources: [queueArn(fn, queueName)],
      }),
    );
  };
  const stateMachineArn = (fn: FeatureFunction, kind: 'stateMachine' | 'execution', suffix = '') =>
    Stack.of(fn).formatArn({
      service: 'states',
      resource: kind,
      resourceName: `${gdprNames.erasureStateMachine}${suffix}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const deployNames = deploymentResourceNames(config.stage);
  const sagaArn = (fn: FeatureFunction, kind: 'stateMachine') =>
    Stack.of(fn).formatArn({
      service: 'states',
      resource: kind,
      resourceName: deployNames.stateMachine,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const bindings: Record<ResourceNeed, (fn: FeatureFunction) => void> = {
    'app:read': (fn) => fn.bindTable(appTable, BINDING_ENV.appTable, 'read', appTableIndexes),
    'app:readWrite': (fn) => fn.bindTable(appTable, BINDING_ENV.appTable, 'readWrite', appTableIndexes),
    // The trail seals personal fields with per-person keys (functions/shared/audit/event-store.ts):
    // appenders get or create this month's key (never delete one), readers open keys.
    'events:append': (fn) => {
      fn.bindTable(eventsTable, BINDING_ENV.eventsTable, 'append');
      fn.bindTable(personalKeysTable, BINDING_ENV.personalKeysTable, 'append');
      fn.bindSecret(stateful.dataKeySecret, BINDING_ENV.dataKeySecret);
      setEnvironment(fn, privacyEnvironment(config.privacy));
    },
    'events:read': (fn) => {
      fn.bindTable(eventsTable, BINDING_ENV.eventsTable, 'read');
      fn.bindTable(personalKeysTable, BINDING_ENV.personalKeysTable, 'read');
      fn.bindSecret(stateful.dataKeySecret, BINDING_ENV.dataKeySecret);
    },
    'personalKeys:shred': (fn) => {
      fn.bindTable(personalKeysTable, BINDING_ENV.personalKeysTable, 'delete');
      fn.bindSecret(stateful.dataKeySecret, BINDING_ENV.dataKeySecret);
    },
    redis: (fn) => {
      setEnvironment(fn, redisEnvironment(config.redis));
      fn.bindSecret(stateful.upstashSecret, BINDING_ENV.upstashTokenSecret);
      setEnvironment(fn, rateLimitEnvironment({ overrides: config.rateLimits }));
    },
    // Readers also learn how the keys rotate (the status route and the expiry watch report it).
    'signingKeys:read': (fn) => {
      fn.bindSecret(stateful.signingKeysSecret, BINDING_ENV.signingKeysSecret);
      setEnvironment(fn, resources.signingKeyRotation().environment);
    },
    // May start a rotation: on a target with rotation schedules, RotateSecret and the invocation
    // of the rotation function; everywhere, the steps themselves (admin route).
    'signingKeys:rotate': (fn) => resources.signingKeyRotation().bindRotator(fn, { startRotation: true }),
    // Runs the four steps in-process only (the daily job, where the target schedules none).
    'signingKeys:steps': (fn) => resources.signingKeyRotation().bindRotator(fn, { startRotation: false }),
    'dataKey:read': (fn) => fn.bindSecret(stateful.dataKeySecret, BINDING_ENV.dataKeySecret),
    auth: (fn) => setEnvironment(fn, authEnvironment(config.auth)),
    'alerts:publish': (fn) => fn.bindTopic(resources.alertTopic, BINDING_ENV.alertTopic),
    jobs: (fn) => setEnvironment(fn, jobsEnvironment(config.jobs)),
    apiKeyRotation: (fn) => setEnvironment(fn, apiKeyRotationEnvironment(config.apiKeyRotation)),
    gdpr: (fn) => setEnvironment(fn, gdprEnvironment(config.gdpr)),
    slo: (fn) => setEnvironment(fn, sloEnvironment(config.slo)),
    'gdpr:exports': (fn) => sendTo(fn, GDPR_WORKFLOW_ENV.exportQueueName, gdprNames.exportQueue),
    'gdpr:failures': (fn) => sendTo(fn, GDPR_WORKFLOW_ENV.erasureFailureQueueName, gdprNames.erasureFailures),
    'gdpr:erasures': (fn) => {
      fn.addEnvironment(GDPR_WORKFLOW_ENV.erasureStateMachineArn, stateMachineArn(fn, 'stateMachine'));
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [stateMachineArn(fn, 'stateMachine')],
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:StopExecution'],
          resources: [stateMachineArn(fn, 'execution', ':*')],
        }),
      );
    },
    // Monitoring: read-only views of what the needs above grant to use.
    'tables:probe': (fn) => {
      fn.bindTable(appTable, BINDING_ENV.appTable, 'probe');
      fn.bindTable(eventsTable, BINDING_ENV.eventsTable, 'probe');
      fn.bindTable(personalKeysTable, BINDING_ENV.personalKeysTable, 'probe');
    },
    'workflows:observe': (fn) => {
      setEnvironment(
        fn,
        observedWorkflowsEnvironment({
          exportQueue: gdprNames.exportQueue,
          exportDeadLetters: gdprNames.exportDeadLetters,
          erasureFailures: gdprNames.erasureFailures,
          erasureStateMachineArn: stateMachineArn(fn, 'stateMachine'),
          deploymentEvents: deployNames.eventQueue,
          deploymentEventDeadLetters: deployNames.eventDeadLetters,
          deploymentStateMachineArn: sagaArn(fn, 'stateMachine'),
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
          resources: [
            gdprNames.exportQueue,
            gdprNames.exportDeadLetters,
            gdprNames.erasureFailures,
            deployNames.eventQueue,
            deployNames.eventDeadLetters,
          ].map((name) => queueArn(fn, name)),
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:DescribeStateMachine'],
          resources: [stateMachineArn(fn, 'stateMachine'), sagaArn(fn, 'stateMachine')],
        }),
      );
    },
    // DescribeAlarms is scoped to the alarm ARNs it may return: the stage's, by name prefix.
    'alarms:read': (fn) => {
      const prefix = alarmNamePrefix(config.stage);
      setEnvironment(fn, alarmsEnvironment({ alarmNamePrefix: prefix }));
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: [
            Stack.of(fn).formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${prefix}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
    },
    'config:summary': (fn) => setEnvironment(fn, configSummaryEnvironment(configSummary(config))),
    deployments: (fn) =>
      setEnvironment(fn, {
        ...deploymentEnvironment(config.deployments),
        [CREDENTIALS_PREFIX_ENV]: deploymentCredentialsPrefix(config.stage),
      }),
    // Start a saga, and resume its waiting deploy step (an agent's answer, a cancel). A cancel
    // never stops an execution: the machine must run its compensations.
    'deployments:saga': (fn) => {
      const callbackBaseUrl = resources.deploymentCallbackBaseUrl;
      if (callbackBaseUrl === undefined)
        throw new Error('deployments:saga is bound in the Deployments stack only (it knows the API URL)');
      setEnvironment(fn, sagaEnvironment({ callbackBaseUrl }));
      fn.addEnvironment(DEPLOYMENT_WORKFLOW_ENV.stateMachineArn, sagaArn(fn, 'stateMachine'));
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:StartExecution', 'states:SendTaskSuccess'],
          resources: [sagaArn(fn, 'stateMachine')],
        }),
      );
    },
    'deployments:events': (fn) => sendTo(fn, DEPLOYMENT_WORKFLOW_ENV.eventQueueName, deployNames.eventQueue),
    // Only secrets under the stage's prefix: a target cannot name (and so read) any other secret.
    'deployments:credentials': (fn) =>
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [
            Stack.of(fn).formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${deploymentCredentialsPrefix(config.stage)}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ),
  };
  return (fn, needs) => {
    for (const need of new Set(needs)) bindings[need](fn);
  };
}

/**
 * How a route's function is bound, in whichever stack holds it: its row's needs, and, where the row
 * rate-limits, the key that hashes identifiers (Redis itself comes with the row's `redis` need,
 * which defineRoute requires of a limited route).
 */
export function routeBinder(bind: Bind, stateful: StatefulStack) {
  return (fn: FeatureFunction, route: RouteDef): void => {
    bind(fn, route.needs ?? []);
    if (route.rateLimit.length > 0)
      fn.bindSecret(stateful.rateLimitKeySecret, BINDING_ENV.rateLimitKeySecret);
  };
}
