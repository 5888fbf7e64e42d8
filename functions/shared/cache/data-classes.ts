/**
 * Time to live per data class, in seconds. These are the seed values from the caching design; a
 * cache may override them (`createCache({ ttls })`), e.g. per stage.
 *
 * The class is chosen by what the data is, not by where it is read: how long a stale copy may be
 * served if an invalidation is ever missed is bounded by this TTL.
 */
export const DATA_CLASSES = {
  user: 300,
  transactions: 600,
  stats: 900,
  configuration: 900,
  stackMetadata: 3_600,
  templates: 86_400,
  sessions: 604_800,
  // What the authorizer trusts about a session or API key (liveness, the holder's current roles).
  // Invalidations reach it within `tagVersionCacheMs`; this TTL bounds only a missed one.
  credentials: 30,
} as const satisfies Record<string, number>;

export type DataClass = keyof typeof DATA_CLASSES;

export type DataClassTtls = Readonly<Record<DataClass, number>>;

export function isDataClass(value: string): value is DataClass {
  return Object.hasOwn(DATA_CLASSES, value);
}

/** The seed TTLs with `overrides` applied; every TTL must be a positive whole number of seconds. */
export function resolveTtls(overrides: Partial<Record<DataClass, number>> = {}): DataClassTtls {
  const ttls: Record<DataClass, number> = { ...DATA_CLASSES, ...overrides };
  for (const [name, seconds] of Object.entries(ttls)) {
    if (!Number.isInteger(seconds) || seconds <= 0) {
      throw new Error(
        `cache TTL for data class '${name}' must be a positive integer of seconds, got ${seconds}`,
      );
    }
  }
  return ttls;
}
