import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupResource } from 'aws-cdk-lib/aws-backup';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Everything that holds data: tables and secrets. Kept apart from the stateless stack so that
 * redeploying or replacing functions and APIs can never touch data.
 */
export class StatefulStack extends Stack {
  /** Single table for entities (users, sessions, keys, ...): pk/sk, GSI1, TTL on `expiresAt`. */
  public readonly appTable: ITable;
  /** Append-only event store (audit trail): pk = aggregate, sk = zero-padded version. */
  public readonly eventsTable: ITable;
  /**
   * Per-person data keys sealing personal fields at rest (`functions/shared/privacy/personal-keys.ts`):
   * pk/sk, TTL on `expiresAt` (retention shreds a month of a person's fields), no point-in-time
   * recovery on any stage, so that a restore can never bring back a key an erasure destroyed.
   */
  public readonly personalKeysTable: ITable;
  /** Upstash REST credentials: `{ "token": "..." }`. */
  public readonly upstashSecret: ISecret;
  /**
   * JWT signing keys, one ES256 key (with `kid`) per version: `AWSCURRENT` signs, `AWSPREVIOUS` and
   * `AWSPENDING` verify. The initialiser writes the first; rotation the others.
   */
  public readonly signingKeysSecret: ISecret;
  /**
   * Key material for secrets sealed at rest (AES-256-GCM via HKDF, one context per use): second-factor
   * secrets, the master key of the personal data keys, the pseudonym key of the audit trail.
   */
  public readonly dataKeySecret: ISecret;
  /** HMAC key that replaces emails and IPs in rate-limit key names (`functions/shared/ratelimit/identifiers.ts`). */
  public readonly rateLimitKeySecret: ISecret;
  /** Global secondary indexes of the app table, for grants that name them. */
  public readonly appTableIndexes: readonly string[] = ['gsi1'];

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const tableDefaults = {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: config.pointInTimeRecovery },
      deletionProtection: config.retainData,
      removalPolicy,
    } as const;

    const appTable = new Table(this, 'AppTable', { ...tableDefaults, timeToLiveAttribute: 'expiresAt' });
    appTable.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
    });
    this.appTable = appTable;
    this.eventsTable = new Table(this, 'EventsTable', tableDefaults);
    this.personalKeysTable = new Table(this, 'PersonalKeysTable', {
      ...tableDefaults,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      timeToLiveAttribute: 'expiresAt',
    });
    Validations.of(this.personalKeysTable).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        "PITR is off on purpose on every stage: deleting a person's keys is how erasure and retention shred their sealed audit fields, and a restore must never bring a shredded key back (docs/decisions/0011-personal-data-at-rest.md).",
    });

    this.upstashSecret = new Secret(this, 'UpstashSecret', {
      description: `Nimbus ${config.stage}: Upstash Redis REST token`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'token',
        excludePunctuation: true,
        passwordLength: 40,
      },
      removalPolicy,
    });

    this.signingKeysSecret = new Secret(this, 'SigningKeys', {
      description: `Nimbus ${config.stage}: JWT signing key set (ES256, by kid)`,
      // A placeholder the initialiser replaces with a real key set on first deploy; never a key.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ keys: [] }),
        generateStringKey: 'placeholder',
      },
      removalPolicy,
    });
    this.dataKeySecret = new Secret(this, 'DataKey', {
      description: `Nimbus ${config.stage}: key material for secrets sealed at rest`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    this.rateLimitKeySecret = new Secret(this, 'RateLimitKey', {
      description: `Nimbus ${config.stage}: HMAC key for rate-limit identifiers (no email or IP in Redis)`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(this.rateLimitKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated on a schedule: a new key only renames the rate-limit counters, so rotating it would reset every limit at once; operators replace it by hand if it leaks.',
    });
    Validations.of(this.signingKeysSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: config.features.secretRotationSchedule
        ? `Rotated every ${config.auth.signingKeyRotationDays} days by the RotationSchedule the API stack attaches (lib/constructs/signing-key-rotation.ts), out of this stack's sight; POST /v1/admin/signing-keys/rotate rotates on demand.`
        : `No rotation schedule on the ${config.stage} target (it has no secretRotationSchedule capability): the same four rotation steps run from POST /v1/admin/signing-keys/rotate and the daily rotation job, every ${config.auth.signingKeyRotationDays} days.`,
    });
    Validations.of(this.dataKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated: TOTP secrets, rotated API-key secrets and the personal data keys are sealed with keys derived from it, and audit pseudonyms are keyed by one; rotating it would need them re-sealed and every trail re-keyed, which Nimbus does not do.',
    });

    // Daily, weekly and monthly recovery points (35 days, 90 days, 5 years) of the data tables, beside
    // PITR. Never the personal keys table: restoring it would undo crypto-shredding (0011).
    if (config.features.backups) {
      const plan = BackupPlan.dailyWeeklyMonthly5YearRetention(this, 'Backups');
      plan.addSelection('DataTables', {
        resources: [
          BackupResource.fromDynamoDbTable(appTable),
          BackupResource.fromDynamoDbTable(this.eventsTable),
        ],
      });
      Validations.of(plan).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        reason:
          'The AWS-managed policy AWS Backup documents for a selection role: it backs up only what the selection names.',
      });
    }

    new CfnOutput(this, 'AppTableName', { value: appTable.tableName });
    new CfnOutput(this, 'EventsTableName', { value: this.eventsTable.tableName });
    new CfnOutput(this, 'PersonalKeysTableName', { value: this.personalKeysTable.tableName });
    new CfnOutput(this, 'UpstashSecretArn', { value: this.upstashSecret.secretArn });
    new CfnOutput(this, 'SigningKeysSecretArn', { value: this.signingKeysSecret.secretArn });
    new CfnOutput(this, 'DataKeySecretArn', { value: this.dataKeySecret.secretArn });
    new CfnOutput(this, 'RateLimitKeySecretArn', { value: this.rateLimitKeySecret.secretArn });

    Validations.of(this.upstashSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The Upstash token is issued and rotated by Upstash; operators put the new value here.',
    });
    if (!config.pointInTimeRecovery) {
      for (const table of [appTable, this.eventsTable]) {
        Validations.of(table).acknowledge({
          id: 'AwsSolutions-DDB3',
          reason: `PITR is off on the ${config.stage} stage only (throwaway data).`,
        });
      }
    }
  }
}
