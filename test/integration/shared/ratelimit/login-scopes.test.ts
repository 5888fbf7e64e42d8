import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { Redis } from '@upstash/redis';
import { rateLimitEnvironment } from '../../../../functions/shared/config/rate-limits.ts';
import { redisSettingsFromEnv } from '../../../../functions/shared/config/redis.ts';

// The three login scopes through the real route limiter (@upstash/ratelimit → the stack's Upstash
// bridge → Redis), with the seed limits: pair 5 / 15 min, account 20 / h, IP 30 / 15 min. Every
// identifier is fresh to this run, so nothing else on the same Redis shares a count with it.
type RouteLimits = typeof import('../../../../functions/shared/ratelimit/route-limits.ts');
type LoginRoute = typeof import('../../../../functions/auth/routes.ts')['login'];
let limits: RouteLimits;
let loginRoute: LoginRoute;
let redis: Redis;

before(async () => {
  const { restUrl, token } = redisSettingsFromEnv();
  if (token === undefined) throw new Error('UPSTASH_REDIS_REST_TOKEN must be set (run through npm test)');
  redis = new Redis({ url: restUrl, token });
  Object.assign(process.env, {
    ...rateLimitEnvironment({
      overrides: { global: { limit: 100_000 } },
      identifierKey: `it-${randomUUID()}`,
    }),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // Imported after the environment is set: the limiter reads it at module scope, as in a Lambda.
  limits = await import('../../../../functions/shared/ratelimit/route-limits.ts');
  ({ login: loginRoute } = await import('../../../../functions/auth/routes.ts'));
});

const account = () => `it-${randomUUID()}@limits.nimbus.test`;
let ipCounter = 0;
// A fresh address per use, under a prefix drawn per run (IPv6 documentation range): no two tests,
// and no two runs sharing this Redis, share an IP's budget or its key names.
const RUN_PREFIX = `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
const freshIp = () => {
  ipCounter++;
  return `${RUN_PREFIX}::${ipCounter.toString(16)}`;
};

/** One login attempt through the route's scopes: the scope that refused it, or 'admitted'. */
async function attempt(sourceIp: string, email: string): Promise<string> {
  try {
    await limits.enforceRouteLimits(loginRoute, { sourceIp, principal: null, body: { email } });
    return 'admitted';
  } catch (error) {
    const scope = (error as { extensions?: { scope?: unknown } }).extensions?.scope;
    return `refused:${String(scope ?? (error as Error).message)}`;
  }
}

async function attempts(n: number, sourceIp: string, email: () => string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await attempt(sourceIp, email()));
  return out;
}

describe('login limits per (IP, account), per account and per IP', () => {
  it('per pair: the sixth attempt from one IP at one account is refused; another IP still gets in', async () => {
    const email = account();
    const ip = freshIp();

    const results = await attempts(6, ip, () => email);

    assert.deepEqual(results.slice(0, 5), Array(5).fill('admitted'));
    assert.equal(results[5], 'refused:auth_login');
    assert.equal(await attempt(freshIp(), email), 'admitted');
  });

  it('per account: 20 attempts from 4 IPs spend the account budget, the 21st from a fifth IP is refused', async () => {
    const email = account();
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await attempts(5, freshIp(), () => email), Array(5).fill('admitted'));
    }

    assert.equal(await attempt(freshIp(), email), 'refused:auth_login_account');
  });

  it('per account: an IP hammering past its own block does not spend the account budget', async () => {
    const email = account();
    const attacker = freshIp();

    const hammered = await attempts(40, attacker, () => email);

    assert.equal(hammered.filter((r) => r === 'admitted').length, 5);
    // 5 of 20 spent: the other 15 are still there, from anywhere else.
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await attempts(5, freshIp(), () => email), Array(5).fill('admitted'));
    }
    assert.equal(await attempt(freshIp(), email), 'refused:auth_login_account');
  });

  it('per account: a successful login gives the budget back', async () => {
    const email = account();
    for (let i = 0; i < 3; i++) await attempts(5, freshIp(), () => email);
    const owner = await limits.enforceRouteLimits(loginRoute, {
      sourceIp: freshIp(),
      principal: null,
      body: { email },
    });

    await owner.onSuccess();

    assert.deepEqual(await attempts(5, freshIp(), () => email), Array(5).fill('admitted'));
  });

  it('per IP: one IP spraying 30 accounts is refused at the 31st, whatever the account', async () => {
    const ip = freshIp();

    const results = await attempts(31, ip, account);

    assert.deepEqual(results.slice(0, 30), Array(30).fill('admitted'));
    assert.equal(results[30], 'refused:auth_login_ip');
  });

  it('keeps emails and IPs out of Redis key names', async () => {
    const email = account();
    const ip = freshIp();
    await attempt(ip, email);

    const keys = await redis.keys('nimbus:rl:*');

    assert.ok(keys.some((key) => key.startsWith('nimbus:rl:auth_login_account:')));
    // Only this test's own email and IP: other deployments may share this Redis.
    const leaked = keys.filter((key) => key.includes(email) || key.includes(`ip:${ip}`));
    assert.deepEqual(leaked, []);
  });
});
