import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoiseAsync } from '#shared/memoise.ts';

/** A load whose calls are counted and whose outcomes are scripted per call (1-based). */
function scripted<T>(outcome: (call: number) => T | Error) {
  const state = {
    calls: 0,
    load: async (): Promise<T> => {
      state.calls += 1;
      const result = outcome(state.calls);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return state;
}

describe('memoiseAsync', () => {
  it('shares one pending load between concurrent callers', async () => {
    const source = scripted((call) => `value ${call}`);
    const get = memoiseAsync(source.load);

    const [a, b] = await Promise.all([get(), get()]);

    assert.equal(a, 'value 1');
    assert.equal(b, 'value 1');
    assert.equal(source.calls, 1);
  });

  it('keeps a fulfilled value: later calls do not load again', async () => {
    const source = scripted((call) => call);
    const get = memoiseAsync(source.load);
    await get();

    assert.equal(await get(), 1);
    assert.equal(source.calls, 1);
  });

  it('forgets a rejection, so the next call retries', async () => {
    const source = scripted((call) => (call === 1 ? new Error('secret unreadable') : 'ok'));
    const get = memoiseAsync(source.load);

    await assert.rejects(get(), /secret unreadable/);

    assert.equal(await get(), 'ok');
    assert.equal(source.calls, 2);
  });

  it('turns a synchronous throw of the loader into a rejection that is forgotten too', async () => {
    let calls = 0;
    const get = memoiseAsync((): string => {
      calls += 1;
      if (calls === 1) throw new Error('no client');
      return 'client';
    });

    await assert.rejects(get(), /no client/);

    assert.equal(await get(), 'client');
  });

  it('passes the arguments of the call that starts a load, and is not keyed on them', async () => {
    const seen: string[] = [];
    const get = memoiseAsync(async (name: string) => {
      seen.push(name);
      return name;
    });

    assert.equal(await get('first'), 'first');
    assert.equal(await get('second'), 'first');
    assert.deepEqual(seen, ['first']);
  });

  it('with maxAgeMs, reloads once the value is older than that (measured from the load start)', async () => {
    let now = 0;
    const source = scripted((call) => call);
    const get = memoiseAsync(source.load, { maxAgeMs: 1000, now: () => now });
    await get();

    now = 1000;
    assert.equal(await get(), 1, 'still fresh at exactly maxAgeMs');
    now = 1001;
    assert.equal(await get(), 2);
    assert.equal(source.calls, 2);
  });

  it('does not let an older failing load forget a newer one started by a refresh', async () => {
    let now = 0;
    let failFirst: (error: Error) => void = () => undefined;
    let calls = 0;
    const get = memoiseAsync(
      () => {
        calls += 1;
        if (calls === 1) return new Promise<string>((_, reject) => (failFirst = reject));
        return Promise.resolve(`load ${calls}`);
      },
      { maxAgeMs: 10, now: () => now },
    );
    const first = get();
    now = 11;
    const second = get();

    failFirst(new Error('late failure'));
    await assert.rejects(first, /late failure/);

    assert.equal(await second, 'load 2');
    assert.equal(await get(), 'load 2');
    assert.equal(calls, 2);
  });
});
