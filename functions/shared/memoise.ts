export interface MemoiseOptions {
  /** After this long (from the start of a load) the next call starts a fresh load. @default forever */
  readonly maxAgeMs?: number;
  /** Clock (epoch ms), for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * One shared promise per container for something loaded once (a client, a key from a secret): every
 * caller gets the same promise while it is pending or fulfilled; a rejection is forgotten so the
 * next call retries instead of every later request failing on a cached error.
 *
 * The memo is not keyed on the arguments: the call that starts a load passes them to `load`,
 * and later calls get that load's promise whatever they pass.
 */
export function memoiseAsync<A extends unknown[], T>(
  load: (...args: A) => T | Promise<T>,
  options: MemoiseOptions = {},
): (...args: A) => Promise<T> {
  const { maxAgeMs = Number.POSITIVE_INFINITY, now = Date.now } = options;
  let current: { readonly at: number; readonly promise: Promise<T> } | undefined;
  return (...args: A): Promise<T> => {
    const at = now();
    if (current === undefined || at - current.at > maxAgeMs) {
      // An async wrapper turns a synchronous throw of `load` into a rejection like any other.
      const promise = (async () => load(...args))();
      const entry = { at, promise };
      current = entry;
      promise.catch(() => {
        // Only this load's own entry: a newer load started meanwhile stays.
        if (current === entry) current = undefined;
      });
    }
    return current.promise;
  };
}
