import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  DescribeExecutionCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../functions/shared/clients/dynamodb.ts';
import { getRedis } from '../../functions/shared/clients/redis.ts';
import { sfn } from '../../functions/shared/clients/sfn.ts';
import { findInCapturedLogs } from '../support/captured-logs.ts';
import { bearer, json, localAdmin, loginAs, PASSWORD, uniqueEmail } from '../support/identity.ts';
import { call } from '../support/stack.ts';
import { APP_TABLE, EVENTS_TABLE, PERSONAL_KEYS_TABLE } from '../support/tables.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function admin() {
  return loginAs(localAdmin().email, localAdmin().password);
}

/** A person with a unique name, email and id, created by the admin route. */
async function person(tag: string) {
  const email = uniqueEmail(tag);
  const name = `Person ${randomUUID().slice(0, 12)}`;
  const res = await call(
    '/v1/admin/users',
    json({ email, password: PASSWORD, name }, bearer((await admin()).accessToken)),
  );
  assert.equal(res.status, 201, res.text);
  return { email, name, id: String(res.json?.id) };
}

async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Every Redis key and its value, as text. */
async function redisDump(): Promise<string[]> {
  const redis = await getRedis();
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, { count: 500 });
    cursor = String(next);
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? await redis.hgetall(key)
            : type === 'zset'
              ? await redis.zrange(key, 0, -1)
              : type === 'set'
                ? await redis.smembers(key)
                : type === 'list'
                  ? await redis.lrange(key, 0, -1)
                  : null;
      out.push(`${key} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(1000);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function erasureAs(token: string, erasureId: string) {
  return call(`/v1/gdpr/erasures/${erasureId}`, { headers: bearer(token) });
}

async function finished(token: string, erasureId: string) {
  return until(`erasure ${erasureId}`, async () => {
    const res = await erasureAs(token, erasureId);
    const status = res.json?.status;
    return status === 'completed' || status === 'failed' ? res : undefined;
  });
}

const countEvents = async () => (await scanAll(EVENTS_TABLE)).length;

describe('GDPR erasure on the deployed stack', () => {
  it('erases a person from every store through the state machine, keeps the audit trail whole, and writes a receipt', async () => {
    const since = Date.now();
    const subject = await person('erase');
    // Data in every store: sessions and refresh tokens, audit events, a failed login (rate-limit
    // counters keyed by the email's hash), a cached profile, an API key, an export.
    await call('/v1/auth/login', json({ email: subject.email, password: 'not the password at all' }));
    const tokens = await loginAs(subject.email);
    assert.equal((await call('/v1/me', { headers: bearer(tokens.accessToken) })).status, 200);
    const key = await call(
      '/v1/keys',
      json({ name: `key of ${subject.name}`, permissions: ['monitoring:read'] }, bearer(tokens.accessToken)),
    );
    assert.equal(key.status, 201, key.text);
    const exported = await call('/v1/gdpr/exports', json({ userId: subject.id }, bearer(tokens.accessToken)));
    assert.equal(exported.status, 202, exported.text);
    const consent = await call(
      '/v1/gdpr/consents',
      json(
        { userId: subject.id, purpose: 'marketing', granted: true, policyVersion: '2026-11', source: 'e2e' },
        { ...bearer(tokens.accessToken), 'user-agent': `browser of ${subject.name}` },
      ),
    );
    assert.equal(consent.status, 201, consent.text);
    // A second factor enrolled: its sealed secret sits on the profile.
    const enrolled = await call('/v1/auth/totp/enroll', {
      method: 'POST',
      headers: bearer(tokens.accessToken),
    });
    assert.equal(enrolled.status, 200, enrolled.text);
    const eventsBefore = await countEvents();
    const trailOf = async (token: string) => {
      const res = await call(`/v1/audit?subject=user:${subject.id}&limit=200`, { headers: bearer(token) });
      assert.equal(res.status, 200, res.text);
      return res.json?.items as Array<{ version: number; type: string; actor: unknown; data: unknown }>;
    };
    const trailBefore = await trailOf((await admin()).accessToken);

    const requested = await call(
      '/v1/gdpr/erasures',
      json({ userId: subject.id, reason: 'subject-request' }, bearer(tokens.accessToken)),
    );
    assert.equal(requested.status, 202, requested.text);
    assert.equal(requested.json?.status, 'pending');
    const erasureId = String(requested.json?.erasureId);
    // Locked but intact during the grace period.
    const locked = await call('/v1/auth/login', json({ email: subject.email, password: PASSWORD }));
    assert.equal(locked.status, 403, locked.text);

    const adminToken = (await admin()).accessToken;
    const done = await finished(adminToken, erasureId);
    assert.equal(done.json?.status, 'completed', done.text);

    const receipt = done.json?.receipt as {
      stores: Array<{ store: string; items: number }>;
      verification: { remaining: Record<string, number> };
      requestHash: string;
    };
    const stores = receipt.stores.map((s) => s.store).sort();
    for (const store of [
      'account',
      'sessions',
      'api-keys',
      'exports',
      'audit-trail',
      'personal-keys',
      'redis',
    ]) {
      assert.ok(stores.includes(store), `receipt lists ${store}: ${stores.join(', ')}`);
    }
    assert.ok(Object.values(receipt.verification.remaining).every((n) => n === 0));
    assert.match(receipt.requestHash, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(done.json).includes(subject.id), 'the erasure names no person');

    // Nothing identifying, anywhere: every table, every Redis key and value.
    const haystacks = [
      ...(await scanAll(APP_TABLE)).map((item) => JSON.stringify(item)),
      ...(await scanAll(EVENTS_TABLE)).map((item) => JSON.stringify(item)),
      ...(await scanAll(PERSONAL_KEYS_TABLE)).map((item) => JSON.stringify(item)),
      ...(await redisDump()),
    ];
    for (const needle of [subject.email, subject.name, subject.id]) {
      const found = haystacks.filter((text) => text.includes(needle));
      assert.deepEqual(found, [], `${needle} still found`);
    }
    // Every request of every test comes from this machine's address: it may only be in other
    // people's export documents (a copy of their own data, by design), nowhere in clear else.
    // Deployment targets and organisation webhooks name agents on this machine by URL
    // (`http://127.0.0.1:<port>/…`): a machine's endpoint, not a person's address.
    const agentUrls = /"(endpoint|notificationUrl)":"http:\/\/127\.0\.0\.1:\d+\/[^"]*"/g;
    const withIp = haystacks.filter(
      (text) => text.replace(agentUrls, '').includes('127.0.0.1') && !text.startsWith('{"pk":"EXPORT#'),
    );
    assert.deepEqual(withIp, [], 'the address is stored in clear');
    // Nor in what the functions logged while serving and erasing the person.
    const logged = await findInCapturedLogs([subject.email, subject.name, subject.id, '127.0.0.1'], {
      since,
    });
    assert.deepEqual(logged, [], 'the captured logs hold the person');
    // The trail is whole: the erasure added its own events, removed none.
    assert.ok((await countEvents()) >= eventsBefore);
    const events = await trailOf(adminToken);
    // The same events, in the same order: legal proof stays whole while the person is unreadable.
    assert.deepEqual(
      events.map((e) => [e.version, e.type]),
      trailBefore.map((e) => [e.version, e.type]),
    );
    assert.ok(events.length >= 3, 'the person’s events are still there');
    assert.ok(
      events.every((e) => JSON.stringify(e).includes('erased')),
      'their personal fields read as erased',
    );

    // The person's tokens and key are dead.
    assert.equal((await call('/v1/me', { headers: bearer(tokens.accessToken) })).status, 401);
    assert.equal(
      (await call('/v1/monitoring/cache/stats', { headers: { 'x-api-key': String(key.json?.key) } })).status,
      401,
    );

    // A second run of the finished erasure changes nothing.
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    const machine = machines.stateMachines?.find((m) => m.name?.endsWith('-gdpr-erasure'));
    assert.ok(machine?.stateMachineArn);
    const rerun = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn,
        name: `${erasureId}-rerun`,
        input: JSON.stringify({ erasureId, graceSeconds: 0, correlationId: 'rerun' }),
      }),
    );
    const rerunStatus = await until('the re-run', async () => {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn: rerun.executionArn }));
      return out.status === 'RUNNING' ? undefined : out.status;
    });
    assert.equal(rerunStatus, 'SUCCEEDED');
    const after = await erasureAs(adminToken, erasureId);
    assert.deepEqual(after.json?.receipt, done.json?.receipt);
  });

  it('cancelled inside the grace period leaves the account intact and usable', async () => {
    const subject = await person('cancel');
    const tokens = await loginAs(subject.email);
    const requested = await call(
      '/v1/gdpr/erasures',
      json({ userId: subject.id, reason: 'subject-request' }, bearer(tokens.accessToken)),
    );
    assert.equal(requested.status, 202, requested.text);
    const erasureId = String(requested.json?.erasureId);
    const adminToken = (await admin()).accessToken;

    const cancelled = await call(`/v1/gdpr/erasures/${erasureId}`, {
      method: 'DELETE',
      headers: bearer(adminToken),
    });

    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.json?.status, 'cancelled');
    await sleep(8000);
    assert.equal((await erasureAs(adminToken, erasureId)).json?.status, 'cancelled');
    const again = await loginAs(subject.email);
    const me = await call('/v1/me', { headers: bearer(again.accessToken) });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json?.email, subject.email);
    const late = await call(`/v1/gdpr/erasures/${erasureId}`, {
      method: 'DELETE',
      headers: bearer(adminToken),
    });
    assert.equal(late.status, 409, late.text);
  });

  it('refuses another person without gdpr:admin, a second open erasure, and bad input', async () => {
    const [a, b] = [await person('a'), await person('b')];
    const tokensA = await loginAs(a.email);
    const other = await call(
      '/v1/gdpr/erasures',
      json({ userId: b.id, reason: 'subject-request' }, bearer(tokensA.accessToken)),
    );
    assert.equal(other.status, 403, other.text);
    const badReason = await call(
      '/v1/gdpr/erasures',
      json({ userId: a.id, reason: 'because' }, bearer(tokensA.accessToken)),
    );
    assert.equal(badReason.status, 400, badReason.text);
    assert.equal(badReason.headers.get('content-type'), 'application/problem+json');
    const adminToken = (await admin()).accessToken;
    const unknown = await call(
      '/v1/gdpr/erasures',
      json({ userId: randomUUID(), reason: 'subject-request' }, bearer(adminToken)),
    );
    assert.equal(unknown.status, 404, unknown.text);
    const first = await call(
      '/v1/gdpr/erasures',
      json({ userId: b.id, reason: 'legal-obligation' }, bearer(adminToken)),
    );
    assert.equal(first.status, 202, first.text);
    const second = await call(
      '/v1/gdpr/erasures',
      json({ userId: b.id, reason: 'legal-obligation' }, bearer(adminToken)),
    );
    assert.equal(second.status, 409, second.text);
    const cancel = await call(`/v1/gdpr/erasures/${String(first.json?.erasureId)}`, {
      method: 'DELETE',
      headers: bearer(adminToken),
    });
    assert.equal(cancel.status, 200, cancel.text);
  });
});

describe('GDPR export on the deployed stack', () => {
  it('holds every store of that person and nothing of another', async () => {
    const [subject, other] = [await person('export'), await person('export-other')];
    const tokens = await loginAs(subject.email);
    await loginAs(other.email);
    await call(
      '/v1/keys',
      json({ name: 'export key', permissions: ['monitoring:read'] }, bearer(tokens.accessToken)),
    );

    const queued = await call('/v1/gdpr/exports', json({ userId: subject.id }, bearer(tokens.accessToken)));
    assert.equal(queued.status, 202, queued.text);
    const exportId = String(queued.json?.exportId);
    const ready = await until('the export', async () => {
      const res = await call(`/v1/gdpr/exports/${exportId}`, { headers: bearer(tokens.accessToken) });
      return res.json?.status === 'ready' || res.json?.status === 'failed' ? res : undefined;
    });

    assert.equal(ready.json?.status, 'ready', ready.text);
    const document = ready.json?.document as { stores: Record<string, unknown> };
    const text = JSON.stringify(document);
    for (const store of ['account', 'sessions', 'api-keys', 'audit-trail', 'exports']) {
      assert.ok(store in document.stores, `export has ${store}`);
    }
    assert.ok(text.includes(subject.email) && text.includes(subject.name));
    assert.ok(!text.includes(other.email) && !text.includes(other.id) && !text.includes(other.name));
    const otherTokens = await loginAs(other.email);
    const notTheirs = await call(`/v1/gdpr/exports/${exportId}`, {
      headers: bearer(otherTokens.accessToken),
    });
    assert.equal(notTheirs.status, 404, notTheirs.text);
  });
});
