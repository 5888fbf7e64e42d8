import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { buildInfoFromEnv } from '#shared/config/build.ts';
import { metrics } from '#shared/observability.ts';
import { signingKeyRotationDeps } from '../auth/deps.ts';
import { rotateSigningKeysIfDue, signingKeyStatus } from '../auth/use-cases/signing-key-rotation.ts';
import { gdprSettingsFromEnv } from '../gdpr/config.ts';
import { dynamoRequestStore } from '../gdpr/store/requests.ts';
import { dynamoRetentionStore } from '../gdpr/store/retention.ts';
import { applyRetention, type RetentionOutcome } from '../gdpr/use-cases/retention.ts';
import { keyJobDeps } from '../keys/deps.ts';
import { findExpiringApiKeys } from '../keys/use-cases/expiring.ts';
import { rotateDueApiKeys } from '../keys/use-cases/rotate-due.ts';
import { type JobsSettings, jobsSettingsFromEnv } from './config.ts';

/**
 * The jobs are a composition root (docs/decisions/0007-feature-boundaries.md): they drive
 * identity's signing keys and the keys feature's API keys through the ports below, which those
 * features' use cases fit, and import neither feature anywhere else than `featurePorts`.
 */

/** Identity's signing-key rotation, as the jobs use it. */
export interface SigningKeyJobs {
  /** Rotates the signing key set if its rotation is due; says why or why not. */
  rotateIfDue(now: Date): Promise<{ readonly rotated: boolean; readonly reason: string }>;
  /** The key tokens are signed with now, and when it is due to be replaced. */
  status(now: Date): Promise<{ readonly currentKid: string | null; readonly nextRotationAt: string | null }>;
}

/** An API key close to its expiry, as the keys feature reports it. */
export interface ExpiringApiKey {
  readonly keyId: string;
  readonly ownerId: string;
  readonly expiresAt: string;
  readonly daysLeft: number;
}

/** The keys feature's scheduled work on API keys, as the jobs use it. */
export interface ApiKeyJobs {
  /** Rotates the keys whose rotation schedule is due; returns their ids. */
  rotateDue(now: Date): Promise<{ readonly rotated: readonly string[] }>;
  findExpiring(now: Date, withinDays: number): Promise<readonly ExpiringApiKey[]>;
}

/** Where on-call hears about it: the stage's alarm topic. */
export interface AlertPublisher {
  publish(subject: string, body: string): Promise<void>;
}

/** Metrics the jobs emit; the alarms and the runbook refer to these names. */
export type JobMetric =
  | 'JobRuns'
  | 'JobFailures'
  | 'KeysExpiringSoon'
  | 'DaysToKeyExpiry'
  | 'RetentionDeletedSessions'
  | 'RetentionDeletedExports'
  | 'RetentionDeletedReceipts'
  | 'RetentionDeletedAuditKeys'
  | 'ErasuresOverdue';

export interface JobDeps {
  /** Append (warnings, run records) and recent reads (what was already warned about today). */
  readonly events: Pick<EventStore, 'append' | 'list'>;
  readonly metric: (name: JobMetric, value: number) => void;
}

export interface RotateDueDeps extends JobDeps {
  readonly signingKeys: Pick<SigningKeyJobs, 'rotateIfDue'>;
  readonly apiKeys: Pick<ApiKeyJobs, 'rotateDue'>;
}

export interface ExpiryWatchDeps extends JobDeps {
  readonly signingKeys: Pick<SigningKeyJobs, 'status'>;
  readonly apiKeys: Pick<ApiKeyJobs, 'findExpiring'>;
  readonly alerts: AlertPublisher;
  readonly settings: JobsSettings;
  /** Named in the alert, which on-call may receive from several stages. */
  readonly stage: string;
}

/** GDPR's retention, as the cleanup job uses it. */
export interface RetentionJobs {
  apply(now: Date): Promise<RetentionOutcome>;
}

export interface RetentionCleanupDeps extends JobDeps {
  readonly retention: RetentionJobs;
  readonly alerts: AlertPublisher;
  readonly stage: string;
}

/**
 * The only place the jobs meet the auth and keys features: their use cases, adapted to the ports
 * above. Built once per container, from the settings and bindings each feature's factory reads
 * (the `needs` of each row in `jobs.ts`).
 */
function featurePorts(): { signingKeys: SigningKeyJobs; apiKeys: ApiKeyJobs } {
  const auth = signingKeyRotationDeps();
  const keys = keyJobDeps();
  return {
    signingKeys: {
      rotateIfDue: (now) => rotateSigningKeysIfDue(auth, now),
      status: async (now) => {
        const status = await signingKeyStatus(auth, now);
        return {
          currentKid: status.keys.find((key) => key.stage === 'AWSCURRENT')?.kid ?? null,
          nextRotationAt: status.rotation.nextRotationAt ?? null,
        };
      },
    },
    apiKeys: {
      rotateDue: (now) => rotateDueApiKeys(keys, now, `job:rotate-due:${now.toISOString()}`),
      findExpiring: (now, withinDays) => findExpiringApiKeys(keys, now, withinDays),
    },
  };
}

function jobDeps(): JobDeps {
  return {
    events: dynamoEventStore(boundResource('eventsTable')),
    metric: (name, value) =>
      metrics.addMetric(name, name === 'DaysToKeyExpiry' ? MetricUnit.NoUnit : MetricUnit.Count, value),
  };
}

export function rotateDueDeps(): RotateDueDeps {
  const { signingKeys, apiKeys } = featurePorts();
  return { ...jobDeps(), signingKeys, apiKeys };
}

async function alertPublisher(): Promise<AlertPublisher> {
  const topicArn = boundResource('alertTopic');
  // Only the jobs that alert load the SNS client.
  const { publish } = await import('#shared/clients/sns.ts');
  return {
    publish: async (subject, body) => {
      await publish(topicArn, subject, body);
    },
  };
}

export async function retentionCleanupDeps(): Promise<RetentionCleanupDeps> {
  const retentionDeps = {
    retention: dynamoRetentionStore({
      appTable: boundResource('appTable'),
      personalKeysTable: boundResource('personalKeysTable'),
    }),
    requests: dynamoRequestStore(boundResource('appTable')),
    settings: gdprSettingsFromEnv(),
  };
  return {
    ...jobDeps(),
    retention: { apply: (now) => applyRetention(retentionDeps, now) },
    alerts: await alertPublisher(),
    stage: buildInfoFromEnv().stage,
  };
}

export async function expiryWatchDeps(): Promise<ExpiryWatchDeps> {
  const { signingKeys, apiKeys } = featurePorts();
  const topicArn = boundResource('alertTopic');
  // Only the watch publishes: the rotation job's bundle stays without the SNS client (a function
  // imports only what it uses).
  const { publish } = await import('#shared/clients/sns.ts');
  return {
    ...jobDeps(),
    signingKeys,
    apiKeys,
    alerts: {
      publish: async (subject, body) => {
        await publish(topicArn, subject, body);
      },
    },
    settings: jobsSettingsFromEnv(),
    stage: buildInfoFromEnv().stage,
  };
}
