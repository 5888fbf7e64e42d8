import { readSecretString } from '#shared/clients/secrets.ts';
import { boundResource } from '#shared/config/bindings.ts';
import type { AuthConfig } from '../config.ts';
import { SIGNING_KEYS_TAG } from '../domain/cache-tags.ts';
import { createTokenIssuer, createTokenVerifier, jwksOf, type KeySet, parseKeySet } from '../domain/jwt.ts';

export interface Keyring {
  readonly issuer: ReturnType<typeof createTokenIssuer>;
  readonly verifier: ReturnType<typeof createTokenVerifier>;
  readonly jwks: ReturnType<typeof jwksOf>;
  readonly keySet: KeySet;
}

export interface KeyringSource {
  /** Reads the key set (Secrets Manager). */
  readonly load: () => Promise<KeySet>;
  /**
   * The version of the `signing-keys` cache tag, which `replaceKeySet` bumps after every change of
   * the set; read through the two-level cache, so it costs no Redis round trip within 1 s of the
   * last read. `undefined` when Redis cannot be reached.
   */
  readonly version: () => Promise<string | undefined>;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

// With Redis unreachable no change is seen: the set is re-read at least this often regardless.
export const REFRESH_MS = 5 * 60_000;
// However often the tag version moves (a flood of invalidations, a Redis that keeps losing its
// data), the secret is read at most once per this interval per container. Tokens naming unknown
// kids never cause a read at all: a key is in the set (as `pending`) before anything signs with it.
export const MIN_RELOAD_MS = 1_000;

function ringOf(config: AuthConfig, keySet: KeySet, now: () => number): Keyring {
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
 * The container's keyring, following the key set: a key removed from (or added to) the set through
 * `replaceKeySet` stops (or starts) verifying within the tag-version bound (1 s) plus
 * `MIN_RELOAD_MS`, in every container; without Redis, within `REFRESH_MS`. The key material stays in
 * the process: only the tag version comes from Redis, so Redis can at worst delay a change or cause
 * reloads, never put a key in the ring. A failed reload keeps the current ring (retried next call).
 */
export function followKeyring(config: AuthConfig, source: KeyringSource): () => Promise<Keyring> {
  const now = source.now ?? Date.now;
  let current: { ring: Keyring; version: string | undefined; loadedAt: number } | undefined;
  let loading: Promise<Keyring> | undefined;

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

  return async () => {
    const version = await source.version();
    const at = now();
    if (current === undefined) return reload(version, at);
    const age = at - current.loadedAt;
    const changed = version !== undefined && version !== current.version;
    if (age > REFRESH_MS || (changed && age >= MIN_RELOAD_MS)) return reload(version, at);
    return current.ring;
  };
}

let containerKeyring: (() => Promise<Keyring>) | undefined;

/**
 * The signing/verification keys of this container. The config is the container's one: the first
 * call's config is used for the container's lifetime.
 */
export function keyring(config: AuthConfig): Promise<Keyring> {
  containerKeyring ??= followKeyring(config, {
    load: async () => parseKeySet(await readSecretString(boundResource('signingKeysSecret'))),
    // The tag lives in the response cache's namespace, where `replaceKeySet` bumps it (and where
    // the JWKS route follows it).
    version: async () =>
      (await import('#shared/cache/response-cache.ts')).responseCache.tagVersion(SIGNING_KEYS_TAG),
  });
  return containerKeyring();
}
