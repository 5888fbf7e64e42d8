import { Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type ISecret, RotationSchedule } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { signingKeyRotationEnvironment } from '../../functions/auth/config.ts';
import { BINDING_ENV } from '../../functions/shared/config/bindings.ts';
import type { StageConfig } from '../config/stages.ts';
import { FeatureFunction } from './feature-function.ts';

export interface SigningKeyRotationProps {
  readonly config: StageConfig;
  /** The JWT signing-key secret (one key per version). */
  readonly secret: ISecret;
  /**
   * Binds what the rotation function needs besides the secret: the audit trail (append) and
   * Redis (the `signing-keys` tag every stage change invalidates).
   */
  readonly bindAuditAndCache: (fn: FeatureFunction) => void;
}

/**
 * The signing-key rotation function (Secrets Manager's four steps) and, where the target has
 * `features.secretRotationSchedule`, the schedule that calls it every
 * `auth.signingKeyRotationDays`. Without that capability (the emulator provisions no
 * `AWS::SecretsManager::RotationSchedule` and its `RotateSecret` calls no function) there is no
 * schedule: the admin route and the daily job run the same steps in-process.
 */
export class SigningKeyRotation extends Construct {
  public readonly function: FeatureFunction;
  /** `undefined` on targets without the rotation-schedule capability. */
  public readonly schedule: RotationSchedule | undefined;
  /** The stage's rotation settings as the functions read them (`signingKeyRotationFromEnv`). */
  public readonly environment: Readonly<Record<string, string>>;
  private readonly secret: ISecret;
  private readonly canStartRotation: boolean;

  constructor(scope: Construct, id: string, props: SigningKeyRotationProps) {
    super(scope, id);
    const { config, secret } = props;
    this.secret = secret;
    this.canStartRotation = config.features.secretRotationSchedule;
    this.environment = signingKeyRotationEnvironment({
      everyDays: config.auth.signingKeyRotationDays,
      secretRotationSchedule: config.features.secretRotationSchedule,
    });
    this.function = new FeatureFunction(this, 'Function', {
      entry: 'functions/auth/handlers/signing-key-rotation.ts',
      feature: 'auth',
      config,
      description: 'Secrets Manager rotation function of the JWT signing-key secret',
      timeout: Duration.seconds(30),
    });
    this.bindRotator(this.function, { startRotation: false });
    props.bindAuditAndCache(this.function);

    if (config.features.secretRotationSchedule) {
      // Grants the function the four steps' actions on the secret and Secrets Manager the invoke.
      this.schedule = new RotationSchedule(this, 'Schedule', {
        secret,
        rotationLambda: this.function,
        automaticallyAfter: Duration.days(config.auth.signingKeyRotationDays),
        // A deploy that changes the period must not rotate every key at once; the schedule does.
        rotateImmediatelyOnUpdate: false,
      });
      Validations.of(this.function).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'secretsmanager:GetRandomPassword (added by RotationSchedule) and X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level scoping.',
      });
    }
  }

  /**
   * Lets `fn` run the rotation steps on the secret: read and write its versions and read the
   * stage's rotation settings; with `startRotation`, and where the schedule exists, also start a
   * rotation now (`RotateSecret`, which invokes the rotation function).
   */
  bindRotator(fn: FeatureFunction, options: { readonly startRotation: boolean }): void {
    fn.bindSecret(this.secret, BINDING_ENV.signingKeysSecret, 'readWrite');
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    if (options.startRotation && this.canStartRotation) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:RotateSecret'], resources: [this.secret.secretArn] }),
      );
      // RotateSecret checks that its caller may invoke the rotation function it will call.
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
      );
    }
  }
}
