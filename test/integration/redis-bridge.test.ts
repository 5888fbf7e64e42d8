/**
 * Drives the Upstash REST bridge with the real @upstash/redis and @upstash/ratelimit clients against a
 * real redis-server (REDIS_URL, default redis://127.0.0.1:6379).
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { type Bridge, startBridge } from '../../localstack/bridge/upstash-bridge.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = `test-token-${randomUUID()}`;
const PREFIX = `bridge-test:${randomUUID()}:`;

let bridge: Bridge;
let direct: IORedis;

const key = (name: string) => `${PREFIX}${name}:${randomUUID()}`;

type ClientVariant = { label: string; options: { responseEncoding?: false; enableAutoPipelining?: boolean } };

// Auto-pipelining (the client default) routes every call through /pipeline, so the single-command
// endpoint is only exercised with it turned off.
const VARIANTS: ClientVariant[] = [
  { label: 'base64 encoding, auto-pipelining (client defaults)', options: {} },
  { label: 'base64 encoding, one request per command', options: { enableAutoPipelining: false } },
  { label: 'no response encoding', options: { responseEncoding: false, enableAutoPipelining: false } },
];

function client(options: ClientVariant['options'] = {}, token = TOKEN): Redis {
  return new Redis({ url: bridge.url, token, enableTelemetry: false, ...options });
}

async function post(path: string, body: string | unknown, token = TOKEN): Promise<Response> {
  return fetch(`${bridge.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** A TCP pass-through to Redis that can be cut and restored, to simulate Redis going away. */
class FlakyProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async up(): Promise<void> {
    const server = createServer((downstream) => {
      const upstream = tcpConnect(this.target.port, this.target.host);
      for (const s of [downstream, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          downstream.destroy();
          upstream.destroy();
        });
      }
      downstream.pipe(upstream).pipe(downstream);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`condition not met within ${timeoutMs} ms`);
}

before(async () => {
  direct = new IORedis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: 1 });
  await direct.ping();
  bridge = await startBridge({ port: 0, redisUrl: REDIS_URL, token: TOKEN });
});

after(async () => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await direct.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length > 0) await direct.del(...keys);
  direct.disconnect();
  await bridge.close();
});

for (const variant of VARIANTS) {
  describe(`@upstash/redis via bridge: ${variant.label}`, () => {
    let redis: Redis;
    before(() => {
      redis = client(variant.options);
    });

    it('set/get with EX, incr, mget', async () => {
      const k = key('str');
      assert.equal(await redis.set(k, 'hello', { ex: 60 }), 'OK');
      assert.equal(await redis.get<string>(k), 'hello');
      const ttl = await redis.ttl(k);
      assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);

      const counter = key('counter');
      assert.equal(await redis.incr(counter), 1);
      assert.equal(await redis.incrby(counter, 41), 42);

      const k2 = key('str2');
      await redis.set(k2, 'world');
      assert.deepEqual(await redis.mget<(string | number | null)[]>(k, k2, key('missing'), counter), [
        'hello',
        'world',
        null,
        42,
      ]);
      assert.equal(await redis.get(key('missing')), null);
    });

    it('round-trips unicode, control characters and values that look like protocol tokens', async () => {
      const values = [
        'héllo wörld — 日本語 🚀 ©',
        'nul\u0000ctrl\u0001\u001f tab\t nl\n quote" backslash\\ \u00ff',
        'OK',
        'aGVsbG8=', // valid base64: must come back verbatim, not decoded
        'PONG',
        '',
        ' padded ',
      ];
      for (const value of values) {
        const k = key('unicode');
        await redis.set(k, value);
        assert.equal(await redis.get<string>(k), value, JSON.stringify(value));
        // And the bytes in Redis are exactly the UTF-8 encoding, not some bridge-specific wrapping.
        assert.deepEqual(await direct.getBuffer(k), Buffer.from(value, 'utf8'));
      }
    });

    it('serialises JSON objects automatically', async () => {
      const k = key('json');
      const value = { id: 7, name: 'Zoë', tags: ['a', 'b'], nested: { ok: true, n: null } };
      await redis.set(k, value);
      assert.deepEqual(await redis.get<typeof value>(k), value);
      assert.equal(await direct.get(k), JSON.stringify(value));
    });

    it('hashes: hset, hgetall, hincrby', async () => {
      const k = key('hash');
      assert.equal(await redis.hset(k, { name: 'nimbus', count: 1, emoji: '☁️' }), 3);
      assert.equal(await redis.hincrby(k, 'count', 5), 6);
      assert.deepEqual(await redis.hgetall(k), { name: 'nimbus', count: 6, emoji: '☁️' });
      assert.equal(await redis.hgetall(key('missing-hash')), null);
    });

    it('sorted sets: zadd, zrange with scores, zrem', async () => {
      const k = key('zset');
      assert.equal(
        await redis.zadd(
          k,
          { score: 1, member: 'a' },
          { score: 2.5, member: 'b' },
          { score: 3, member: 'c' },
        ),
        3,
      );
      assert.deepEqual(await redis.zrange(k, 0, -1, { withScores: true }), ['a', 1, 'b', 2.5, 'c', 3]);
      assert.equal(await redis.zrem(k, 'b'), 1);
      assert.deepEqual(await redis.zrange(k, 0, -1), ['a', 'c']);
      assert.equal(await redis.zscore(k, 'c'), 3);
    });

    it('EVAL, EVALSHA via scriptLoad, and createScript', async () => {
      const k = key('lua');
      const script = "redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('GET', KEYS[1]), 7}";
      assert.deepEqual(await redis.eval(script, [k], ['from-eval']), [k, 'from-eval', 7]);

      const sha = await redis.scriptLoad(script);
      assert.match(sha, /^[0-9a-f]{40}$/);
      assert.deepEqual(await redis.evalsha(sha, [k], ['from-evalsha']), [k, 'from-evalsha', 7]);

      const echo = redis.createScript<[string, number]>('return {ARGV[1], tonumber(ARGV[2]) + 1}');
      assert.deepEqual(await echo.exec([], ['ünï', '41']), ['ünï', 42]);
      assert.deepEqual(await echo.evalsha([], ['again', '1']), ['again', 2]);
    });

    it('runs scripts carrying the Upstash-only allow-key-locking flag, EVALSHA included', async () => {
      const script = '#!lua flags=allow-key-locking\nreturn redis.call("INCR", KEYS[1])';
      const clientSha = createHash('sha1').update(script).digest('hex');
      const k = key('locking');
      // SCRIPT LOAD answers with the hash of the text the client sent, and EVALSHA with it works
      // even though Redis cached a rewritten script under a different hash.
      assert.equal(await redis.scriptLoad(script), clientSha);
      assert.deepEqual(await redis.scriptExists(clientSha), [1]);
      assert.equal(await redis.evalsha(clientSha, [k], []), 1);
      assert.equal(await redis.eval(script, [k], []), 2);
      assert.equal(await redis.createScript<number>(script).exec([k], []), 3);
    });

    it('pipelines', async () => {
      const str = key('p-str');
      const counter = key('p-counter');
      const hash = key('p-hash');
      const results = await redis
        .pipeline()
        .set(str, 'v')
        .incr(counter)
        .incr(counter)
        .get(str)
        .hset(hash, { a: 1 })
        .hgetall(hash)
        .get(key('p-missing'))
        .exec();
      assert.deepEqual(results, ['OK', 1, 2, 'v', 1, { a: 1 }, null]);

      // One failing command fails exec(), but with keepErrors the others still come back.
      await assert.rejects(redis.pipeline().get(str).hget(str, 'f').exec(), /WRONGTYPE/);
      const kept = await redis.pipeline().get(str).hget(str, 'f').exec({ keepErrors: true });
      assert.equal(kept[0]?.result, 'v');
      assert.match(String(kept[1]?.error), /^WRONGTYPE/);
    });

    it('transactions (multi/exec)', async () => {
      const k = key('tx');
      const results = await redis.multi().set(k, 1).incr(k).incrby(k, 10).get(k).exec();
      assert.deepEqual(results, ['OK', 2, 12, 12]);
    });

    it('surfaces WRONGTYPE and unknown-command errors as thrown errors', async () => {
      const k = key('wrongtype');
      await redis.set(k, 'string');
      await assert.rejects(redis.hget(k, 'field'), (err: Error) => {
        assert.match(err.message, /WRONGTYPE Operation against a key holding the wrong kind of value/);
        return true;
      });
      // RedisJSON is not loaded in plain redis-server, so this is an unknown command there.
      await assert.rejects(redis.json.get(k), /ERR unknown command/i);
      // The client is still usable afterwards.
      assert.equal(await redis.get(k), 'string');
    });

    it('rejects a wrong token (401)', async () => {
      const bad = client(variant.options, 'not-the-token');
      await assert.rejects(bad.get(key('any')), /Unauthorized/);
    });
  });
}

describe('@upstash/ratelimit via bridge', () => {
  const algorithms = [
    { name: 'slidingWindow', limiter: (n: number) => Ratelimit.slidingWindow(n, '1 h') },
    { name: 'tokenBucket', limiter: (n: number) => Ratelimit.tokenBucket(1, '1 h', n) },
    { name: 'fixedWindow', limiter: (n: number) => Ratelimit.fixedWindow(n, '1 h') },
  ];

  for (const { name, limiter } of algorithms) {
    it(`${name}: 3 sequential requests allowed, the 4th blocked`, async () => {
      const ratelimit = new Ratelimit({ redis: client(), limiter: limiter(3), prefix: key(`rl-${name}`) });
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await ratelimit.limit('user-1'));
      assert.deepEqual(
        results.map((r) => [r.success, r.remaining, r.limit]),
        [
          [true, 2, 3],
          [true, 1, 3],
          [true, 0, 3],
          [false, 0, 3],
          [false, 0, 3],
        ],
      );
      // The first block comes from Redis; later ones may be served by the client's ephemeral cache.
      assert.equal(results[3]?.reason, undefined);
      for (const r of results) assert.notEqual(r.reason, 'timeout', 'limit() must not have timed out');
      // Identifiers are independent.
      assert.equal((await ratelimit.limit('user-2')).success, true);
    });

    for (const variant of VARIANTS) {
      it(`${name}: 20 concurrent requests against a limit of 5 allow exactly 5 (${variant.label})`, async () => {
        const ratelimit = new Ratelimit({
          redis: client(variant.options),
          limiter: limiter(5),
          prefix: key(`rl-conc-${name}`),
          ephemeralCache: false,
        });
        const results = await Promise.all(Array.from({ length: 20 }, () => ratelimit.limit('shared')));
        assert.equal(results.filter((r) => r.success).length, 5);
        assert.deepEqual(
          results
            .filter((r) => r.success)
            .map((r) => r.remaining)
            .sort(),
          [0, 1, 2, 3, 4],
        );
        for (const r of results) assert.equal(r.reason, undefined, 'limit() must not have timed out');
      });
    }
  }
});

describe('bridge HTTP protocol', () => {
  it('answers raw requests in the Upstash shape, base64-encoding strings but not integers or "OK"', async () => {
    const k = key('raw');
    const headers = {
      authorization: `Bearer ${TOKEN}`,
      'upstash-encoding': 'base64',
      'upstash-sync-token': 'client-token',
    };
    const set = await fetch(bridge.url, { method: 'POST', headers, body: JSON.stringify(['SET', k, 'hi']) });
    assert.equal(set.status, 200);
    assert.deepEqual(await set.json(), { result: 'OK' });
    assert.ok(set.headers.get('upstash-sync-token'), 'sync token is returned');

    const pipe = await fetch(`${bridge.url}/pipeline`, {
      method: 'POST',
      headers,
      body: JSON.stringify([
        ['GET', k],
        ['STRLEN', k],
        ['MGET', k, key('none')],
        ['HSET', k, 'f', 'v'],
      ]),
    });
    assert.equal(pipe.status, 200);
    assert.deepEqual(await pipe.json(), [
      { result: Buffer.from('hi').toString('base64') },
      { result: 2 },
      { result: [Buffer.from('hi').toString('base64'), null] },
      { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
    ]);

    const plain = await post('/', ['GET', k]);
    assert.deepEqual(await plain.json(), { result: 'hi' });

    // Non-UTF-8 bytes survive byte-for-byte in base64 mode.
    const bin = key('binary');
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0a, 0xc3]);
    await direct.set(bin, bytes);
    const got = await fetch(bridge.url, { method: 'POST', headers, body: JSON.stringify(['GET', bin]) });
    const { result } = (await got.json()) as { result: string };
    assert.deepEqual(Buffer.from(result, 'base64'), bytes);
  });

  it('maps a Redis error on a single command to 400 {error}', async () => {
    const res = await post('/', ['NOSUCHCOMMAND', 'x']);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /^ERR unknown command/);
  });

  it('aborts a transaction with a queue-time error without applying any of it', async () => {
    const k = key('tx-abort');
    const res = await post('/multi-exec', [['SET', k, '1'], ['NOSUCHCOMMAND']]);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /^EXECABORT .*unknown command/);
    assert.equal(await direct.exists(k), 0);
  });

  it('rejects missing or wrong credentials with 401 {error}', async () => {
    const missing = await fetch(bridge.url, { method: 'POST', body: JSON.stringify(['PING']) });
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { error: 'Unauthorized' });
    const wrong = await post('/', ['PING'], 'wrong');
    assert.equal(wrong.status, 401);
  });

  it('rejects malformed bodies with 400 and keeps serving', async () => {
    const cases: [string, string][] = [
      ['/', '{"not": "closed"'],
      ['/', ''],
      ['/', '{"cmd":"GET"}'],
      ['/', '[]'],
      ['/', '[42, "x"]'],
      ['/', '["GET", {"nested": true}]'],
      ['/pipeline', '["GET", "x"]'],
      ['/multi-exec', '[]'],
    ];
    for (const [path, body] of cases) {
      const res = await post(path, body);
      assert.equal(res.status, 400, `${path} ${body}`);
      const json = (await res.json()) as { error?: unknown };
      assert.equal(typeof json.error, 'string', `${path} ${body}`);
    }
    const redis = client();
    const k = key('after-bad-input');
    await redis.set(k, 'still alive');
    assert.equal(await redis.get(k), 'still alive');
  });

  it('refuses commands that would break the shared connection', async () => {
    for (const cmd of [['SUBSCRIBE', 'ch'], ['MULTI'], ['SELECT', '1'], ['BLPOP', 'k', '0']]) {
      const res = await post('/', cmd);
      assert.equal(res.status, 400, cmd.join(' '));
    }
    assert.deepEqual(await (await post('/', ['PING'])).json(), { result: 'PONG' });
  });

  it('rejects bodies over 10 MB with 413', async () => {
    const res = await post('/', JSON.stringify(['SET', key('big'), 'x'.repeat(11 * 1024 * 1024)]));
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: string }).error, /exceeds/);
    assert.deepEqual(await (await post('/', ['PING'])).json(), { result: 'PONG' });
  });

  it('serves an unauthenticated health check on GET /', async () => {
    const res = await fetch(bridge.url);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { result: 'OK' });
  });
});

describe('bridge when Redis is unavailable', () => {
  it('answers 503 quickly when Redis is not reachable', async () => {
    const down = await startBridge({
      port: 0,
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      token: TOKEN,
    });
    try {
      const started = Date.now();
      const res = await fetch(down.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(['GET', 'x']),
      });
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { error: string }).error, /redis unavailable/);
      assert.ok(Date.now() - started < 1_000, 'fails fast');

      const redis = new Redis({ url: down.url, token: TOKEN, enableTelemetry: false });
      await assert.rejects(redis.get('x'), /redis unavailable/);
      assert.equal((await fetch(down.url)).status, 503);
    } finally {
      await down.close();
    }
  });

  it('fails fast while Redis is gone and reconnects by itself when it comes back', async () => {
    const target = new URL(REDIS_URL);
    const proxy = new FlakyProxy(await freePort(), {
      host: target.hostname,
      port: Number(target.port || 6379),
    });
    await proxy.up();
    const viaProxy = new URL(REDIS_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const flaky = await startBridge({ port: 0, redisUrl: viaProxy.toString(), token: TOKEN });
    const redis = new Redis({
      url: flaky.url,
      token: TOKEN,
      enableTelemetry: false,
      enableAutoPipelining: false,
    });
    const k = key('flaky');
    try {
      assert.equal(await redis.set(k, 'before'), 'OK');

      await proxy.down();
      const started = Date.now();
      await assert.rejects(redis.get(k), /redis unavailable/);
      assert.ok(Date.now() - started < 1_000, 'fails fast');

      await proxy.up();
      await waitFor(async () => {
        try {
          return (await redis.get(k)) === 'before';
        } catch {
          return false;
        }
      }, 5_000);
      assert.equal(await redis.set(k, 'after'), 'OK');
    } finally {
      await flaky.close();
      await proxy.down();
    }
  });
});
