import { boundResource } from '#shared/config/bindings.ts';
import type { AuthConfig } from '../config.ts';
import { SIGNING_KEYS_TAG } from '../domain/cache-tags.ts';
import { createTokenIssuer, createTokenVerifier, jwksOf, type KeySet } from '../domain/jwt.ts';
import { readKeySet, secretsManagerSigningKeySecret } from './signing-keys.ts';

export interface Keyring {
  readonly issuer: ReturnType<typeof createTokenIssuer>;
  readonly verifier: ReturnType<typeof createTokenVerifier>;
  readonly jwks: ReturnType<typeof jwksOf>;
  readonly keySet: KeySet;
}

export interface KeyringSource {
  /** Reads the key set (Secrets Manager: the `AWSCURRENT`, `AWSPREVIOUS` and `AWSPENDING` versions). */
  readonly load: () => Promise<KeySet>;
  /**
   * The version of the `signing-keys` cache tag, which every rotation step bumps after it moves a
   * version label; read through the two-level cache, so it costs no Redis round trip within 1 s of the
   * last read. `undefined` when Redis cannot be reached.
   */
  readonly version: () => Promise<string | undefined>;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

// With Redis unreachable no change is seen: the set is re-read at least this often regardless.
export const REFRESH_MS = 5 * 60_000;
// However often the tag version moves (a flood of invalidations, a Redis that keeps losing its
// data), the secret is read at most once per this interval per container.
export const MIN_RELOAD_MS = 1_000;
// A token naming a kid the ring lacks may come from a key that became current in another container
// before this one saw the tag move (Nimbus runs the four steps within milliseconds): the set is
// re-read, but at most once per this interval per container, so garbage kids cannot make every
// request read Secrets Manager.
export const UNKNOWN_KID_RELOAD_MS = 5_000;

/** Why a caller asks for the ring: `unknown-kid` when its token names a kid the ring lacked. */
export type KeyringRequest = 'unknown-kid';

/** The issuer, verifier and JWKS of a key set, on the clock `now` (epoch ms). */
export function ringOf(config: AuthConfig, keySet: KeySet, now: () => number): Keyring {
  return {
    keySet,
    issuer: createTokenIssuer({
      keySet,
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
      now,
    }),
    verifier: createTokenVerifier({ keySet, issuer: config.issuer, audience: config.audience, now }),
    jwks: jwksOf(keySet),
  };
}

/**
 * The container's keyring, following the key set: a key leaving (or joining) the staged versions
 * through a rotation step stops (or starts) verifying within the tag-version bound (1 s) plus
 * `MIN_RELOAD_MS`, in every container; without Redis, within `REFRESH_MS`; and a token naming a
 * kid the ring lacks triggers a reload at once, at most once per `UNKNOWN_KID_RELOAD_MS`. The key
 * material stays in the process: only the tag version comes from Redis, so Redis can at worst
 * delay a change or cause reloads, never put a key in the ring. A failed reload keeps the current
 * ring (retried next call).
 */
export function followKeyring(
  config: AuthConfig,
  source: KeyringSource,
): (request?: KeyringRequest) => Promise<Keyring> {
  const now = source.now ?? Date.now;
  let current: { ring: Keyring; version: string | undefined; loadedAt: number } | undefined;
  let loading: Promise<Keyring> | undefined;
  let lastUnknownKidReload = Number.NEGATIVE_INFINITY;

  function reload(version: string | undefined, startedAt: number): Promise<Keyring> {
    loading ??= (async () => {
      try {
        const ring = ringOf(config, await source.load(), now);
        // Stamped with the version read *before* the load: a change racing the load is seen next time.
        current = { ring, version, loadedAt: startedAt };
        return ring;
      } catch (error) {
        if (current === undefined) throw error;
        current = { ...current, loadedAt: startedAt };
        return current.ring;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  return async (request) => {
    const version = await source.version();
    const at = now();
    if (current === undefined) return reload(version, at);
    if (request === 'unknown-kid') {
      // A load already under way will do; otherwise only one such reload per interval.
      if (loading !== undefined) return loading;
      if (at - lastUnknownKidReload < UNKNOWN_KID_RELOAD_MS) return current.ring;
      lastUnknownKidReload = at;
      return reload(version, at);
    }
    const age = at - current.loadedAt;
    const changed = version !== undefined && version !== current.version;
    if (age > REFRESH_MS || (changed && age >= MIN_RELOAD_MS)) return reload(version, at);
    return current.ring;
  };
}

let containerKeyring: ((request?: KeyringRequest) => Promise<Keyring>) | undefined;

/**
 * The signing/verification keys of this container. The config is the container's one: the first
 * call's config is used for the container's lifetime.
 */
export function keyring(config: AuthConfig, request?: KeyringRequest): Promise<Keyring> {
  containerKeyring ??= followKeyring(config, {
    load: () => readKeySet(secretsManagerSigningKeySecret(boundResource('signingKeysSecret'))),
    // The tag lives in the response cache's namespace, where the rotation steps bump it (and where
    // the JWKS route follows it).
    version: async () =>
      (await import('#shared/cache/response-cache.ts')).responseCache.tagVersion(SIGNING_KEYS_TAG),
  });
  return containerKeyring(request);
}
