/**
 * The contract between the GDPR workflows (export, erasure, retention) and every place that can hold
 * a person's data. Each entry of the data map (`data-map.ts`) has one `PersonalDataStore` adapter;
 * the workflows only ever walk the map and call these three methods, so a new store is one entry
 * and one adapter, and a test fails when either is missing.
 */

/** Who the workflow acts on, as read from the request record (never from a state machine's input). */
export interface DataSubject {
  readonly userId: string;
  /**
   * The normalised email, while the account still exists: stores keyed by it (the email claim,
   * rate-limit counters keyed by a hash of it) need it to find their items. Null once the account
   * item is gone (a re-run after the account was erased).
   */
  readonly email: string | null;
}

/** What one store did for one erasure, with counts and field names only: no personal value. */
export interface StoreReport {
  readonly store: string;
  /** Items (rows, keys, data keys) the store touched. */
  readonly items: number;
  readonly fields: {
    readonly erased: readonly string[];
    readonly anonymised: readonly string[];
    readonly shredded: readonly string[];
  };
}

export interface PersonalDataStore {
  /** The data-map entry this adapter serves. */
  readonly id: string;
  /** The subject's data in this store, JSON-serialisable, for the right of access. */
  export(subject: DataSubject): Promise<unknown>;
  /** Erases / anonymises / shreds the subject's data here. Idempotent: a second run reports 0 items. */
  erase(subject: DataSubject): Promise<StoreReport>;
  /** How many items here still identify the subject (0 after a successful erase). */
  verify(subject: DataSubject): Promise<number>;
}
