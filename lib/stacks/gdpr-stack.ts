import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IRestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, type IAlarm, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { jobs } from '../../functions/jobs/jobs.ts';
import { routes } from '../../functions/routes.ts';
import { BINDING_ENV } from '../../functions/shared/config/bindings.ts';
import type { ResourceNeed } from '../../functions/shared/http/route.ts';
import { acknowledgeWorkflow, nagArn } from '../config/nag.ts';
import { gdprResourceNames } from '../config/names.ts';
import { routeHost } from '../config/route-hosting.ts';
import type { StageConfig } from '../config/stages.ts';
import { ErasureWorkflow } from '../constructs/erasure-workflow.ts';
import { FeatureFunction } from '../constructs/feature-function.ts';
import { Job } from '../constructs/job.ts';
import { RouteFunctions } from '../constructs/route-functions.ts';
import { needBinder, routeBinder } from './bindings.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface GdprStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  /** The stage's alarm topic (API stack): GDPR alarms and the overdue-erasure alert go there. */
  readonly alertTopic: ITopic;
  /** Stage-wide alarms that also roll back a gradual release of its route functions. @default none */
  readonly rollbackAlarms?: readonly IAlarm[];
  /** The REST API whose methods invoke this stack's route functions (`gdpr.*` routes). */
  readonly api: IRestApi;
}

/**
 * What every workflow function may touch: it walks the whole data map (exports read every store,
 * erasures delete from every store and shred the person's data keys).
 */
const WORKFLOW_NEEDS: readonly ResourceNeed[] = [
  'app:readWrite',
  'events:append',
  'events:read',
  'personalKeys:shred',
  'redis',
  'gdpr',
  'gdpr:failures',
];

/**
 * GDPR's workflows: the export queue and its worker, the erasure state machine and its tasks, the
 * failure queue on-call hears about, and the retention job. The API routes that start them live in
 * the API stack and find them by name (`gdprResourceNames`).
 */
export class GdprStack extends Stack {
  public readonly exportQueue: Queue;
  public readonly exportDeadLetters: Queue;
  public readonly erasureFailures: Queue;
  public readonly erasure: ErasureWorkflow;
  public readonly exportWorker: FeatureFunction;
  public readonly retentionJob: Job;
  /** The functions of the `gdpr.*` routes (the API stack has their methods, and finds them by name). */
  public readonly routeFunctions: RouteFunctions;

  constructor(scope: Construct, id: string, props: GdprStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const names = gdprResourceNames(config.stage);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const bind = needBinder(config, stateful, {
      alertTopic: props.alertTopic,
      signingKeyRotation: () => {
        throw new Error('GDPR functions do not touch the signing keys');
      },
    });
    this.routeFunctions = new RouteFunctions(this, 'RouteFunctions', {
      config,
      routes: routes.filter((route) => routeHost(route) === 'Gdpr'),
      api: props.api,
      bind: routeBinder(bind, stateful),
      ...(props.rollbackAlarms === undefined ? {} : { rollbackAlarms: props.rollbackAlarms }),
    });
    const alarmAction = new SnsAction(props.alertTopic);
    const alarm = (alarmId: string, description: string, options: ConstructorParameters<typeof Alarm>[2]) =>
      new Alarm(this, alarmId, { ...options, alarmDescription: description }).addAlarmAction(alarmAction);
    const queueDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    } as const;
    const fn = (fnId: string, entry: string, description: string, timeoutSeconds = 30) => {
      const f = new FeatureFunction(this, fnId, {
        entry,
        feature: 'gdpr',
        config,
        description,
        timeout: Duration.seconds(timeoutSeconds),
      });
      bind(f, WORKFLOW_NEEDS);
      // The Redis store finds rate-limit counters by the keyed hash of the person's email.
      f.bindSecret(stateful.rateLimitKeySecret, BINDING_ENV.rateLimitKeySecret);
      return f;
    };

    // Exports: the route queues, the worker assembles; a message failing 3 times rests in the DLQ.
    this.exportDeadLetters = new Queue(this, 'ExportDeadLetters', {
      ...queueDefaults,
      queueName: names.exportDeadLetters,
      retentionPeriod: Duration.days(14),
    });
    const workerTimeoutSeconds = 60;
    this.exportQueue = new Queue(this, 'ExportQueue', {
      ...queueDefaults,
      queueName: names.exportQueue,
      // Six times the worker's timeout, as AWS advises for a Lambda event source.
      visibilityTimeout: Duration.seconds(workerTimeoutSeconds * 6),
      deadLetterQueue: { queue: this.exportDeadLetters, maxReceiveCount: 3 },
    });
    this.exportWorker = fn(
      'ExportWorker',
      'functions/gdpr/handlers/export-worker.ts',
      'SQS: assembles GDPR export documents from every data-map store',
      workerTimeoutSeconds,
    );
    this.exportWorker.addEventSource(
      new SqsEventSource(this.exportQueue, { batchSize: 5, reportBatchItemFailures: true }),
    );

    // Erasures that failed after their retries: one message each, and an alarm while any waits.
    this.erasureFailures = new Queue(this, 'ErasureFailures', {
      ...queueDefaults,
      queueName: names.erasureFailures,
      retentionPeriod: Duration.days(14),
    });

    this.erasure = new ErasureWorkflow(this, 'Erasure', {
      stateMachineName: names.erasureStateMachine,
      tasks: {
        begin: fn(
          'ErasureBegin',
          'functions/gdpr/handlers/erasure-begin.ts',
          'Erasure task: the point of no return',
        ),
        store: fn(
          'ErasureStore',
          'functions/gdpr/handlers/erasure-store.ts',
          'Erasure task: erase one data-map store',
          60,
        ),
        verify: fn(
          'ErasureVerify',
          'functions/gdpr/handlers/erasure-verify.ts',
          'Erasure task: verify nothing identifying remains',
          60,
        ),
        finish: fn(
          'ErasureFinish',
          'functions/gdpr/handlers/erasure-finish.ts',
          'Erasure task: write the receipt',
        ),
        fail: fn(
          'ErasureFail',
          'functions/gdpr/handlers/erasure-fail.ts',
          'Erasure task: mark failed and report',
        ),
      },
      tracing: config.features.xray,
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
    });

    const retention = jobs.find((job) => job.name === 'retentionCleanup' && job.stack === 'Gdpr');
    if (retention === undefined) throw new Error('the job table has no retentionCleanup job for this stack');
    this.retentionJob = new Job(this, 'RetentionCleanup', {
      config,
      entry: retention.handler,
      feature: 'jobs',
      description: retention.description,
      schedule: config.jobs.schedules[retention.name],
      needs: retention.needs,
      bind,
      timeout: Duration.minutes(5),
    });

    const oneMinute = { period: Duration.minutes(1), statistic: 'Maximum' } as const;
    const anyAtAll = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    } as const;
    this.acknowledge(config);

    alarm('ExportDlqNotEmpty', 'GDPR export messages in the DLQ: exports that failed 3 times', {
      ...anyAtAll,
      metric: this.exportDeadLetters.metricApproximateNumberOfMessagesVisible(oneMinute),
    });
    alarm('ErasureFailed', 'A GDPR erasure failed after its retries (the failure queue names the store)', {
      ...anyAtAll,
      metric: this.erasureFailures.metricApproximateNumberOfMessagesVisible(oneMinute),
    });
    // The retention job counts open erasures past the deadline every run (and alerts the topic itself).
    alarm(
      'ErasureOverdue',
      `A GDPR erasure is still open ${config.gdpr.erasureDeadlineDays} days after its request`,
      {
        ...anyAtAll,
        metric: new Metric({
          namespace: 'Nimbus',
          metricName: 'ErasuresOverdue',
          dimensionsMap: { stage: config.stage, service: 'jobs', job: 'retention-cleanup' },
          period: Duration.days(1),
          statistic: 'Maximum',
        }),
      },
    );
    alarm('RetentionJobFailed', 'The retention cleanup job failed a run', {
      ...anyAtAll,
      metric: this.retentionJob.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
    });
    alarm('ErasureExecutionsFailed', 'The erasure state machine failed an execution', {
      ...anyAtAll,
      metric: this.erasure.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
    });
  }

  /** cdk-nag findings that are the design, each with the reason it holds today. */
  private acknowledge(config: StageConfig): void {
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole is the narrow AWS-managed policy for writing function logs.',
    });
    const tasks = ['ErasureBegin', 'ErasureStore', 'ErasureVerify', 'ErasureFinish', 'ErasureFail'].map(
      (task) => this.node.findChild(task),
    );
    acknowledgeWorkflow(this.erasure.stateMachine, tasks, {
      stage: config.stage,
      xray: config.features.xray,
    });
    // Starting an erasure names the state machine; cancelling one names its execution, whose name
    // (the erasure id) exists only at run time: scoped to that one state machine's executions.
    Validations.of(this.routeFunctions).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'states', `execution:${gdprResourceNames(config.stage).erasureStateMachine}:*`)}]`,
      reason:
        'StopExecution of a cancelled erasure: its execution is named by the erasure id, known only at run time; scoped to the erasure state machine.',
    });
    Validations.of(this.erasureFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'It is itself a dead-letter destination: the fail task puts each erasure that failed after its retries there, and an alarm fires while any waits.',
    });
  }
}
