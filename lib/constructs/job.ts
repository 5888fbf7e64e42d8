import type { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { ResourceNeed } from '../../functions/shared/http/route.ts';
import type { StageConfig } from '../config/stages.ts';
import { FeatureFunction } from './feature-function.ts';

/** `rate(1 minute)`, `rate(5 minutes)`, `cron(0 3 * * ? *)`: what EventBridge accepts, singular for 1. */
const SCHEDULE =
  /^(rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)|cron\(\S+( \S+){5}\))$/;

export interface JobProps {
  readonly config: StageConfig;
  /** Entry file relative to the repository root, exporting `handler`. */
  readonly entry: string;
  /** Feature the function belongs to (its Powertools service name). */
  readonly feature: string;
  readonly description: string;
  /** EventBridge schedule expression, `rate(...)` or `cron(...)`, in UTC; checked at synth. */
  readonly schedule: string;
  /** What the function reads and writes. @default none */
  readonly needs?: readonly ResourceNeed[];
  /** Turns `needs` into bindings: the same function that binds a route's needs. */
  readonly bind: (fn: FeatureFunction, needs: readonly ResourceNeed[]) => void;
  /** @default config.functions.timeoutSeconds */
  readonly timeout?: Duration;
}

/**
 * A scheduled job: its own FeatureFunction, bound to exactly its needs, invoked by an EventBridge
 * rule on the schedule. The rule invokes asynchronously: a failed run is retried by Lambda (twice),
 * so a job's work must be idempotent.
 */
export class Job extends Construct {
  public readonly function: FeatureFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: JobProps) {
    super(scope, id);
    if (!SCHEDULE.test(props.schedule)) {
      throw new Error(
        `Job ${id}: schedule must be rate(N unit) or cron(6 fields), got ${JSON.stringify(props.schedule)}`,
      );
    }
    this.function = new FeatureFunction(this, 'Function', {
      entry: props.entry,
      feature: props.feature,
      config: props.config,
      description: props.description.slice(0, 256),
      timeout: props.timeout,
    });
    props.bind(this.function, props.needs ?? []);
    this.rule = new Rule(this, 'Schedule', {
      description: `${props.description} (${props.schedule})`.slice(0, 512),
      schedule: Schedule.expression(props.schedule),
      targets: [new LambdaFunction(this.function)],
    });
  }
}
