import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { buildEnvironment } from '../../functions/shared/config/build.ts';
import { httpEnvironment } from '../../functions/shared/config/http.ts';
import { powertoolsEnvironment } from '../../functions/shared/config/powertools.ts';
import { REPO_ROOT } from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { nodejsBundling } from './bundling.ts';
import { SharedDependenciesLayer } from './shared-dependencies-layer.ts';

function git(args: string, fallback: string): string {
  try {
    return execSync(`git ${args}`, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    })
      .toString()
      .trim();
  } catch {
    return fallback;
  }
}

/**
 * The commit, and when the working tree differs from it, a digest of the difference: cached
 * responses are keyed by the build (`functions/shared/cache/response-cache.ts`), so a deploy of
 * uncommitted changes must not pass for the commit it started from. The same tree always gives
 * the same value, so an unchanged deploy stays a no-op.
 */
function commitOfTree(): string {
  const commit = git('rev-parse --short=12 HEAD', 'unknown');
  const untracked = git('ls-files --others --exclude-standard', '');
  const diff = git('diff HEAD', '');
  if (diff === '' && untracked === '') return commit;
  const digest = createHash('sha256').update(diff);
  for (const file of untracked.split('\n').filter(Boolean)) {
    digest.update(file);
    try {
      digest.update(readFileSync(join(REPO_ROOT, file)));
    } catch {
      digest.update('unreadable'); // a dangling link or a file removed meanwhile: its name counts
    }
  }
  return `${commit}-dirty.${digest.digest('hex').slice(0, 8)}`;
}

/**
 * Build facts baked into every function. The build time is the commit time (as with
 * SOURCE_DATE_EPOCH) so that the same sources give the same artifacts and an unchanged
 * deploy stays a no-op.
 */
export const BUILD_INFO = {
  version: process.env.npm_package_version ?? '0.1.0',
  commit: commitOfTree(),
  buildTime: git('log -1 --format=%cI', new Date(0).toISOString()),
} as const;

export type TableAccess = 'read' | 'readWrite' | 'append';

const READ = ['GetItem', 'BatchGetItem', 'Query', 'ConditionCheckItem'];
const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: READ,
  readWrite: [...READ, 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
  append: [...READ, 'PutItem'],
};

export interface FeatureFunctionProps {
  /** Entry file relative to the repository root, exporting `handler`. */
  readonly entry: string;
  /** Feature the function belongs to; becomes the Powertools service name `nimbus-<feature>`. */
  readonly feature: string;
  readonly config: StageConfig;
  readonly description?: string;
  /** @default config.functions.memoryMb */
  readonly memorySize?: number;
  /** @default config.functions.timeoutSeconds */
  readonly timeout?: Duration;
  /** Extra environment variables. */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * NodejsFunction with the house defaults: Node.js 22 on arm64, built with
 * FEATURE_FUNCTION_ESBUILD_OPTIONS (`bundling.ts`: one ESM file, minified, source maps; every
 * dependency inside, or the shared ones left to the stack's SharedDependenciesLayer where the stage
 * sets `functions.sharedDependenciesLayer`), active tracing where the target has X-Ray, a log group
 * with the stage's retention and the Powertools environment.
 */
export class FeatureFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FeatureFunctionProps) {
    if (!/^[a-z][a-z0-9-]*$/.test(props.feature)) {
      throw new Error(
        `FeatureFunction ${id}: feature must be kebab-case, got ${JSON.stringify(props.feature)}`,
      );
    }
    if (!/\.ts$/.test(props.entry)) throw new Error(`FeatureFunction ${id}: entry must be a .ts file`);
    const { config } = props;
    const sharedDeps = config.functions.sharedDependenciesLayer
      ? SharedDependenciesLayer.of(scope)
      : undefined;
    sharedDeps?.assertServes(props.entry);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: config.logRetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? config.functions.memoryMb,
      timeout: props.timeout ?? Duration.seconds(config.functions.timeoutSeconds),
      tracing: config.features.xray ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      bundling: nodejsBundling(sharedDeps?.externalModules ?? []),
      layers: sharedDeps ? [sharedDeps] : undefined,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...powertoolsEnvironment({
          serviceName: `nimbus-${props.feature}`,
          logLevel: config.logLevel,
          tracing: config.features.xray,
          logSampleRate: config.debugLogSampleRate,
        }),
        ...buildEnvironment({ stage: config.stage, ...BUILD_INFO }),
        ...httpEnvironment(config.api),
        ...props.environment,
      },
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the pinned Lambda runtime: the local emulator and CI run the same major.',
    });
    if (config.features.xray) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level scoping.',
      });
    }
  }

  /**
   * Sets `envName` to the table name and grants exactly the actions of `access` on the table and
   * the named indexes (no `index/*` wildcard). `append` is for append-only stores: put and read,
   * never update or delete.
   */
  bindTable(table: ITable, envName: string, access: TableAccess, indexes: readonly string[] = []): this {
    this.addEnvironment(envName, table.tableName);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: TABLE_ACTIONS[access].map((action) => `dynamodb:${action}`),
        resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
      }),
    );
    return this;
  }

  /**
   * Sets `envName` to the secret ARN and grants read, read and write, or `rotate`: read, write a
   * new version and move the version stages (`AWSPENDING` → `AWSCURRENT`), as a rotation does.
   */
  bindSecret(secret: ISecret, envName: string, access: 'read' | 'readWrite' | 'rotate' = 'read'): this {
    this.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this);
    if (access !== 'read') secret.grantWrite(this);
    if (access === 'rotate') {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:UpdateSecretVersionStage', 'secretsmanager:RotateSecret'],
          resources: [secret.secretArn],
        }),
      );
    }
    return this;
  }

  /** Sets `envName` to the topic ARN and grants publish to it, and to no other topic. */
  bindTopic(topic: ITopic, envName: string): this {
    this.addEnvironment(envName, topic.topicArn);
    topic.grantPublish(this);
    return this;
  }

  /** Sets `envName` to the queue URL and grants send or consume. */
  bindQueue(queue: IQueue, envName: string, access: 'send' | 'consume'): this {
    this.addEnvironment(envName, queue.queueUrl);
    if (access === 'send') queue.grantSendMessages(this);
    else queue.grantConsumeMessages(this);
    return this;
  }
}
