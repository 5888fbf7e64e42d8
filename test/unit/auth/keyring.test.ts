import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generateSigningKey, type KeySet } from '#functions/auth/domain/jwt.ts';
import {
  followKeyring,
  MIN_RELOAD_MS,
  REFRESH_MS,
  UNKNOWN_KID_RELOAD_MS,
} from '#functions/auth/store/keyring.ts';
import { UNIT_AUTH } from '../../support/auth-unit.ts';

const CONFIG = UNIT_AUTH;

let keySet: KeySet;
before(async () => {
  keySet = { keys: [await generateSigningKey(new Date('2026-01-01T00:00:00Z'))] };
});

/** A keyring over a counted loader and a tag version the test sets (`undefined`: Redis down). */
function follower() {
  let ms = Date.parse('2026-01-01T12:00:00Z');
  const state = { loads: 0, version: 'v1' as string | undefined, failLoads: false };
  const ring = followKeyring(CONFIG, {
    load: async () => {
      state.loads++;
      if (state.failLoads) throw new Error('secrets manager throttled');
      return keySet;
    },
    version: async () => state.version,
    now: () => ms,
  });
  return {
    ring,
    state,
    advance: (by: number) => {
      ms += by;
    },
  };
}

describe('followKeyring', () => {
  it('reloads once when the signing-keys version changes, and not before', async () => {
    const f = follower();
    const first = await f.ring();
    f.advance(MIN_RELOAD_MS);
    await f.ring();
    const loadsWhileUnchanged = f.state.loads;

    f.state.version = 'v2';
    const after = await f.ring();
    await f.ring();

    assert.equal(loadsWhileUnchanged, 1);
    assert.equal(f.state.loads, 2);
    assert.notEqual(after, first);
  });

  it('reads the secret at most once per MIN_RELOAD_MS however often the version moves', async () => {
    const f = follower();
    await f.ring();

    for (let i = 0; i < 50; i++) {
      f.state.version = `flood-${i}`;
      f.advance(Math.floor((MIN_RELOAD_MS - 1) / 50));
      await f.ring();
    }
    const loadsWithinInterval = f.state.loads;
    f.advance(MIN_RELOAD_MS);
    await f.ring();

    assert.equal(loadsWithinInterval, 1);
    assert.equal(f.state.loads, 2);
  });

  it('with Redis unreachable keeps the ring and re-reads the secret after REFRESH_MS', async () => {
    const f = follower();
    await f.ring();
    f.state.version = undefined;

    f.advance(REFRESH_MS);
    await f.ring();
    const loadsAtRefresh = f.state.loads;
    f.advance(1);
    await f.ring();

    assert.equal(loadsAtRefresh, 1);
    assert.equal(f.state.loads, 2);
  });

  it('keeps serving the current ring when a reload fails, and retries on a later change', async () => {
    const f = follower();
    const first = await f.ring();
    f.state.failLoads = true;
    f.state.version = 'v2';
    f.advance(MIN_RELOAD_MS);

    const during = await f.ring();
    f.state.failLoads = false;
    f.advance(MIN_RELOAD_MS);
    const after = await f.ring();

    assert.equal(during, first);
    assert.notEqual(after, first);
    assert.equal(f.state.loads, 3);
  });

  it('re-reads the set for an unknown kid at once, then at most once per UNKNOWN_KID_RELOAD_MS', async () => {
    const f = follower();
    await f.ring();
    f.advance(1);

    await f.ring('unknown-kid');
    const loadsAfterFirst = f.state.loads;
    for (let i = 0; i < 100; i++) {
      f.advance(Math.floor((UNKNOWN_KID_RELOAD_MS - 2) / 100));
      await f.ring('unknown-kid');
    }
    const loadsWithinInterval = f.state.loads;
    f.advance(UNKNOWN_KID_RELOAD_MS);
    await f.ring('unknown-kid');

    assert.equal(loadsAfterFirst, 2, 'the first unknown kid reloads without waiting for the tag');
    assert.equal(loadsWithinInterval, 2);
    assert.equal(f.state.loads, 3);
  });

  it('shares a reload under way with the requests for unknown kids that arrive meanwhile', async () => {
    const f = follower();
    await f.ring();
    f.advance(1);

    await Promise.all(Array.from({ length: 10 }, () => f.ring('unknown-kid')));

    assert.equal(f.state.loads, 2);
  });
});
