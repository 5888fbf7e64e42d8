import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { limiterEnvironment, type RedisSandbox, startRedisSandbox } from '../../../support/redis-sandbox.ts';

// The real limiter (@upstash/ratelimit → bridge → its own redis-server) with small limits, so
// Redis can be stopped and restarted under it.
type Limiter = typeof import('../../../../functions/shared/ratelimit/limiter.ts');
let sandbox: RedisSandbox;
let limiter: Limiter;
const id = () => `it:${randomUUID()}`;

before(async () => {
  sandbox = await startRedisSandbox();
  Object.assign(
    process.env,
    limiterEnvironment(sandbox, {
      breakerMs: 300,
      redisTimeoutMs: 1000,
      overrides: {
        global: { limit: 5 },
        api_general: { limit: 5 },
        api_expensive: { limit: 5, fail: 'open' },
      },
    }),
  );
  // Metrics on (only the stage-wide fallback series publishes at once): the test counts its points.
  Object.assign(process.env, {
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'NimbusTest',
  });
  // Imported after the environment is set: the limiter reads it at module scope, as in a Lambda.
  limiter = await import('../../../../functions/shared/ratelimit/limiter.ts');
});

after(async () => {
  await sandbox.close();
});

describe('rate limiter against real Redis', () => {
  for (const [scope, algorithm] of [
    ['global', 'sliding window'],
    ['api_general', 'token bucket'],
    ['api_expensive', 'fixed window'],
  ] as const) {
    it(`${algorithm}: 20 parallel requests against a limit of 5 allow exactly 5`, async () => {
      const who = id();

      const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.decide(scope, who)));

      assert.equal(decisions.filter((d) => d.allowed).length, 5);
      assert.ok(decisions.every((d) => d.decidedBy === 'redis'));
    });
  }

  it('reset clears an identifier and inspect reports it', async () => {
    const who = id();
    for (let i = 0; i < 5; i++) await limiter.decide('global', who);
    assert.equal((await limiter.inspect('global', who)).remaining, 0);

    await limiter.reset('global', who);

    assert.equal((await limiter.inspect('global', who)).remaining, 5);
    assert.equal((await limiter.decide('global', who)).allowed, true);
  });

  it('Redis stopped: local scopes keep limiting, open scopes allow, closed refuse; all recover', async () => {
    await sandbox.stopRedis();
    // Every fallback also lands in the stage-wide series the Redis-fallback alarm watches.
    const emitted: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (String(chunk).includes('"RedisFallbacks"')) emitted.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      const local = id();
      const localDecisions = [];
      for (let i = 0; i < 7; i++) localDecisions.push(await limiter.decide('global', local));
      assert.deepEqual(
        localDecisions.map((d) => d.allowed),
        [true, true, true, true, true, false, false],
      );
      assert.ok(localDecisions.every((d) => d.decidedBy === 'local'));
      assert.equal(
        emitted.length,
        localDecisions.length,
        'one RedisFallbacks point per decision without Redis',
      );
      assert.match(emitted[0] ?? '', /"service":"redis"/);

      const open = await limiter.decide('api_expensive', id());
      assert.equal(open.allowed, true);
      assert.equal(open.decidedBy, 'fail-mode');

      const closed = await limiter.decide('auth_login', id());
      assert.equal(closed.allowed, false);
      await assert.rejects(limiter.enforce('auth_login', id()), (error: Error & { status?: number }) => {
        assert.equal(error.status, 503);
        return true;
      });
    } finally {
      process.stdout.write = write;
      await sandbox.startRedis();
    }

    // Past the breaker, the next decision goes to Redis again by itself.
    const deadline = Date.now() + 5_000;
    let decidedBy = '';
    while (Date.now() < deadline && decidedBy !== 'redis') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      decidedBy = (await limiter.decide('global', id())).decidedBy;
    }
    assert.equal(decidedBy, 'redis');
  });
});
