import type { EventStore } from '#shared/audit/event-store.ts';
import type { GdprSettings } from './config.ts';
import type { PersonalDataStore } from './domain/personal-data.ts';
import type { RequestStore } from './store/requests.ts';

/**
 * What GDPR needs from identity, plugged in by the composition root (`functions/compose/gdpr.ts`):
 * identity owns accounts, GDPR only asks about and locks them.
 */
export interface People {
  /** The person's normalised email; `undefined` when there is no such account. */
  emailOf(userId: string): Promise<string | undefined>;
  /** Locks the account for an erasure (its id) or unlocks it (null); false when there is no such account. */
  lock(userId: string, erasureId: string | null): Promise<boolean>;
  /** Drops every cached verdict and response of the person, in every container. */
  invalidate(userId: string): Promise<void>;
}

export interface GdprDeps {
  readonly requests: RequestStore;
  readonly events: EventStore;
  readonly people: People;
  readonly settings: GdprSettings;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface ExportRequestDeps extends GdprDeps {
  /** Hands an export to the worker (SQS). */
  readonly exportQueue: { send(message: { exportId: string; correlationId: string }): Promise<void> };
}

export interface ErasureRequestDeps extends GdprDeps {
  readonly workflow: {
    /** Starts the erasure state machine; the execution is named after the erasure. */
    start(erasureId: string, graceSeconds: number, correlationId: string): Promise<void>;
    /** Stops it (a cancelled erasure); a finished or unknown execution is not an error. */
    stop(erasureId: string): Promise<void>;
  };
}

/** The workers: every data-map adapter, by store id. */
export interface WorkflowDeps extends GdprDeps {
  readonly stores: ReadonlyMap<string, PersonalDataStore>;
  /** Where an erasure that failed after its retries is reported for on-call (a DLQ with an alarm). */
  readonly failures: { report(message: { erasureId: string; store: string }): Promise<void> };
}
