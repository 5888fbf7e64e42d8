import { randomUUID } from 'node:crypto';
import { ExecutionDoesNotExist, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import {
  accountPersonalData,
  attemptBudgetsPersonalData,
  sessionsPersonalData,
} from '#functions/auth/store/personal-data.ts';
import { dynamoUserStore } from '#functions/auth/store/users.ts';
import { GDPR_WORKFLOW_ENV, gdprSettingsFromEnv } from '#functions/gdpr/config.ts';
import { consentLedger } from '#functions/gdpr/consent-deps.ts';
import type {
  ErasureRequestDeps,
  ExportRequestDeps,
  GdprDeps,
  People,
  WorkflowDeps,
} from '#functions/gdpr/deps.ts';
import type { PersonalDataStore } from '#functions/gdpr/domain/personal-data.ts';
import {
  auditTrailPersonalData,
  personalKeysPersonalData,
} from '#functions/gdpr/store/audit-personal-data.ts';
import { consentLedgerPersonalData } from '#functions/gdpr/store/consent-personal-data.ts';
import { exportsPersonalData } from '#functions/gdpr/store/personal-data.ts';
import { defaultRedisPersonalDataStore } from '#functions/gdpr/store/redis-personal-data.ts';
import { dynamoRequestStore } from '#functions/gdpr/store/requests.ts';
import { dynamoApiKeyStore } from '#functions/keys/store/api-keys.ts';
import { apiKeysPersonalData } from '#functions/keys/store/personal-data.ts';
import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { invalidateUserEverywhere } from '#shared/cache/authorizer-cache.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { queueByName } from '#shared/clients/sqs.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { requireEnv } from '#shared/env.ts';
import { logger } from '#shared/observability.ts';
import { boundPersonalKeys } from '#shared/privacy/personal-keys.ts';
import { loggableError } from '#shared/redact.ts';

/**
 * The GDPR composition root (docs/decisions/0007-feature-boundaries.md): GDPR reaches identity's
 * accounts through the `People` port and every feature's personal data through its data-map
 * adapter; only this file imports those features.
 */

function people(): People {
  const users = dynamoUserStore(boundResource('appTable'));
  return {
    async emailOf(userId) {
      return (await users.get(userId))?.email;
    },
    lock: (userId, erasureId) => users.setErasureLock(userId, erasureId),
    invalidate: invalidateUserEverywhere,
  };
}

/** Built on first use: the read routes never append, and are not bound to the events table. */
function lazyEvents(): EventStore {
  let store: EventStore | undefined;
  const events = () => {
    store ??= dynamoEventStore(boundResource('eventsTable'));
    return store;
  };
  return {
    append: (event) => events().append(event),
    list: (subject, options) => events().list(subject, options),
  };
}

export function gdprDeps(): GdprDeps {
  return {
    requests: dynamoRequestStore(boundResource('appTable')),
    events: lazyEvents(),
    people: people(),
    settings: gdprSettingsFromEnv(),
    now: () => new Date(),
    newId: randomUUID,
  };
}

export function exportRequestDeps(): ExportRequestDeps {
  const queue = queueByName(requireEnv(GDPR_WORKFLOW_ENV.exportQueueName));
  return { ...gdprDeps(), exportQueue: { send: (message) => queue.send(message) } };
}

export function erasureRequestDeps(): ErasureRequestDeps {
  const stateMachineArn = requireEnv(GDPR_WORKFLOW_ENV.erasureStateMachineArn);
  const executionArn = (erasureId: string) =>
    `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${erasureId}`;
  return {
    ...gdprDeps(),
    workflow: {
      async start(erasureId, graceSeconds, correlationId) {
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: erasureId,
            // Ids only: the execution history never holds personal data.
            input: JSON.stringify({ erasureId, graceSeconds, correlationId }),
          }),
        );
      },
      async stop(erasureId) {
        try {
          await sfn.send(
            new StopExecutionCommand({ executionArn: executionArn(erasureId), cause: 'cancelled' }),
          );
        } catch (error) {
          // The request is already cancelled and the account unlocked: whatever happened here, the
          // begin step reads `cancelled` and ends the execution. A missing execution is expected
          // (finished or never started); anything else is worth a line for on-call.
          if (!(error instanceof ExecutionDoesNotExist))
            logger.warn('could not stop a cancelled erasure execution', {
              erasureId,
              error: loggableError(error),
            });
        }
      },
    },
  };
}

/** Every data-map adapter, by store id (the data-map test checks none is missing). */
export function personalDataStores(): ReadonlyMap<string, PersonalDataStore> {
  const appTable = boundResource('appTable');
  const requests = dynamoRequestStore(appTable);
  const stores: PersonalDataStore[] = [
    accountPersonalData(appTable),
    sessionsPersonalData(appTable),
    attemptBudgetsPersonalData(appTable),
    apiKeysPersonalData(appTable, dynamoApiKeyStore(appTable)),
    exportsPersonalData(requests),
    defaultRedisPersonalDataStore(),
    consentLedgerPersonalData(consentLedger()),
    auditTrailPersonalData(dynamoEventStore(boundResource('eventsTable'))),
    // Last in the map: once these are gone, the trail and the ledger read as erased.
    personalKeysPersonalData(boundPersonalKeys),
  ];
  return new Map(stores.map((store) => [store.id, store]));
}

export function workflowDeps(): WorkflowDeps {
  const failures = queueByName(requireEnv(GDPR_WORKFLOW_ENV.erasureFailureQueueName));
  return {
    ...gdprDeps(),
    stores: personalDataStores(),
    failures: { report: (message) => failures.send(message) },
  };
}
