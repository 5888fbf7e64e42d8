import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { buildEnvironment, packageVersion } from '../../functions/shared/config/build.ts';
import { bundleProfile } from '../../functions/shared/config/bundle.ts';
import { httpEnvironment } from '../../functions/shared/config/http.ts';
import { powertoolsEnvironment } from '../../functions/shared/config/powertools.ts';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { REPO_ROOT } from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { bundleFunctionSync } from './bundle-sync.ts';
import type { FunctionBundleJob } from './bundling.ts';
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
  version: packageVersion(),
  commit: commitOfTree(),
  buildTime: git('log -1 --format=%cI', new Date(0).toISOString()),
} as const;

/**
 * `delete`: read and delete items, never write one (crypto-shredding the personal data keys).
 * `probe`: get one item by key, nothing else (health probes read a well-known key).
 */
export type TableAccess = 'read' | 'readWrite' | 'append' | 'delete' | 'probe';

const READ = ['GetItem', 'BatchGetItem', 'Query', 'ConditionCheckItem'];
const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: READ,
  readWrite: [...READ, 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
  append: [...READ, 'PutItem'],
  delete: [...READ, 'DeleteItem'],
  probe: ['GetItem'],
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
  /**
   * The route row the function serves. Its bundle then carries only the pipeline stages the row
   * uses (rate limiter, response cache, Tracer: `functions/shared/config/bundle.ts`).
   * @default none: every stage stays in the bundle (authorizers, jobs, custom resources)
   */
  readonly route?: RouteDef;
}

/**
 * A Lambda function with the house defaults: Node.js 22 on arm64, built by `functionBuildOptions`
 * (`bundling.ts`: one ESM file, minified, source maps; every dependency inside, or the shared ones
 * left to the stack's SharedDependenciesLayer where the stage sets
 * `functions.sharedDependenciesLayer`; only the stages its route row uses; route rows and
 * `*.build.ts` modules evaluated at build time), active tracing where the target has X-Ray, a log
 * group with the stage's retention and the Powertools environment.
 *
 * Not a NodejsFunction: that runs the esbuild CLI, which takes no plugins. The build runs on the
 * host through CDK's local bundling; there is no Docker fallback.
 */
export class FeatureFunction extends LambdaFunction {
  /** What the function's bundle was built from (the benchmark and tests rebuild it from this). */
  public readonly bundleJob: Omit<FunctionBundleJob, 'outfile'>;

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
    const bundleJob = {
      entry: props.entry,
      profile: bundleProfile(props.route, config.features.xray),
      external: sharedDeps?.externalModules ?? [],
    };
    super(scope, id, {
      code: Code.fromAsset(REPO_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('nimbus-bundles-on-the-host'),
          // Never run: it keys CDK's in-process asset cache, which would otherwise hand every
          // function (same source directory, same options) the first one's bundle.
          command: ['nimbus-bundle', JSON.stringify(bundleJob)],
          local: {
            tryBundle: (outputDir) => {
              bundleFunctionSync({ ...bundleJob, outfile: join(outputDir, 'index.mjs') });
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? config.functions.memoryMb,
      timeout: props.timeout ?? Duration.seconds(config.functions.timeoutSeconds),
      tracing: config.features.xray ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
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
    this.bundleJob = bundleJob;
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
