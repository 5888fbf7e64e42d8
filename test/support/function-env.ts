import { authEnvironment, signingKeyRotationEnvironment } from '#functions/auth/config.ts';
import {
  CREDENTIALS_PREFIX_ENV,
  DEPLOYMENT_WORKFLOW_ENV,
  deploymentEnvironment,
} from '#functions/deployments/config.ts';
import { sagaEnvironment } from '#functions/deployments/saga-config.ts';
import { GDPR_WORKFLOW_ENV, gdprEnvironment } from '#functions/gdpr/config.ts';
import { jobsEnvironment } from '#functions/jobs/config.ts';
import { STAGE_CONFIGS } from '#lib/config/stages.ts';
import { configSummary } from '#lib/config/summary.ts';
import { apiKeyRotationEnvironment } from '#shared/config/api-keys.ts';
import { bindingsEnvironment } from '#shared/config/bindings.ts';
import {
  alarmsEnvironment,
  configSummaryEnvironment,
  observedWorkflowsEnvironment,
} from '#shared/config/monitoring.ts';
import { redisEnvironment } from '#shared/config/redis.ts';
import { sloEnvironment } from '#shared/config/slo.ts';

const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`;

/**
 * What a deployed function's module init reads, written by the same contract writers the CDK uses
 * (`functions/shared/config/`, `auth/config.ts`), with placeholder resources: importing a handler
 * with it proves its wiring, and nothing can reach a network (endpoints point at a closed port).
 */
export function functionEnvironment(): Record<string, string> {
  return {
    ...bindingsEnvironment({
      appTable: 'placeholder-app',
      eventsTable: 'placeholder-events',
      signingKeysSecret: arn('signing-keys'),
      dataKeySecret: arn('data-key'),
      personalKeysTable: 'placeholder-personal-keys',
      upstashTokenSecret: arn('upstash'),
      rateLimitKeySecret: arn('rate-limit-key'),
      alertTopic: 'arn:aws:sns:us-east-1:000000000000:placeholder-alerts',
    }),
    ...redisEnvironment({ restUrl: 'http://127.0.0.1:9', token: 'placeholder' }),
    ...authEnvironment(STAGE_CONFIGS.local.auth),
    ...apiKeyRotationEnvironment(STAGE_CONFIGS.local.apiKeyRotation),
    ...signingKeyRotationEnvironment({
      everyDays: STAGE_CONFIGS.local.auth.signingKeyRotationDays,
      secretRotationSchedule: STAGE_CONFIGS.local.features.secretRotationSchedule,
    }),
    ...jobsEnvironment(STAGE_CONFIGS.local.jobs),
    ...gdprEnvironment(STAGE_CONFIGS.local.gdpr),
    ...sloEnvironment(STAGE_CONFIGS.local.slo),
    [GDPR_WORKFLOW_ENV.exportQueueName]: 'placeholder-exports',
    [GDPR_WORKFLOW_ENV.erasureFailureQueueName]: 'placeholder-erasure-failures',
    [GDPR_WORKFLOW_ENV.erasureStateMachineArn]:
      'arn:aws:states:us-east-1:000000000000:stateMachine:placeholder',
    ...observedWorkflowsEnvironment({
      exportQueue: 'placeholder-exports',
      exportDeadLetters: 'placeholder-exports-dlq',
      erasureFailures: 'placeholder-erasure-failures',
      erasureStateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:placeholder',
      deploymentEvents: 'placeholder-deployment-events',
      deploymentEventDeadLetters: 'placeholder-deployment-events-dlq',
      deploymentStateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:placeholder-saga',
    }),
    ...alarmsEnvironment({ alarmNamePrefix: 'Nimbus-placeholder-' }),
    ...deploymentEnvironment(STAGE_CONFIGS.local.deployments),
    [CREDENTIALS_PREFIX_ENV]: 'nimbus/placeholder/deployments/',
    [DEPLOYMENT_WORKFLOW_ENV.eventQueueName]: 'placeholder-deployment-events',
    [DEPLOYMENT_WORKFLOW_ENV.stateMachineArn]:
      'arn:aws:states:us-east-1:000000000000:stateMachine:placeholder-saga',
    ...sagaEnvironment({ callbackBaseUrl: 'http://127.0.0.1:9/placeholder' }),
    ...configSummaryEnvironment(configSummary(STAGE_CONFIGS.local)),
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  };
}
