import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { keyedIdentifier, redisIdentifier } from '#shared/ratelimit/identifiers.ts';
import { resolveScopes, SCOPES, windowMs } from '#shared/ratelimit/scopes.ts';
import { quietPowertools } from '../../../support/apigw.ts';

type RouteLimits = typeof import('#shared/ratelimit/route-limits.ts');
let identifierFor: RouteLimits['identifierFor'];

before(async () => {
  quietPowertools();
  // The limiter reads its scopes at module init, as in a Lambda; only identifiers are asked here.
  ({ identifierFor } = await import('#shared/ratelimit/route-limits.ts'));
});

const login = (sourceIp: string, email: string) => ({ sourceIp, principal: null, body: { email } });

describe('login scopes', () => {
  it('limits per account independently of the IP, and per IP across accounts', () => {
    assert.equal(SCOPES.auth_login_account.key, 'account');
    assert.equal(SCOPES.auth_login_ip.key, 'ip');
    assert.equal(SCOPES.auth_login.key, 'ip+account');
  });

  it('makes the per-account limit slow rather than block: a larger budget over a longer window', () => {
    const pair = SCOPES.auth_login;
    const account = SCOPES.auth_login_account;

    assert.ok(account.limit > pair.limit);
    assert.ok(windowMs(account.window) > windowMs(pair.window));
    // Only attempts the pair and IP scopes admitted spend it, and a success gives it back.
    assert.equal(account.onlyAdmitted, true);
    assert.equal(account.resetOnSuccess, true);
  });

  it('does not give the per-IP budget back on success (an own account buys no guesses elsewhere)', () => {
    assert.notEqual(resolveScopes(undefined).auth_login_ip.resetOnSuccess, true);
  });

  it('takes the stage overrides of the new scopes and refuses a bad key', () => {
    const scopes = resolveScopes(
      JSON.stringify({ auth_login_account: { limit: 50, window: '2 h' }, auth_login_ip: { limit: 7 } }),
    );

    assert.equal(scopes.auth_login_account.limit, 50);
    assert.equal(scopes.auth_login_account.window, '2 h');
    assert.equal(scopes.auth_login_account.onlyAdmitted, true);
    assert.equal(scopes.auth_login_ip.limit, 7);
    assert.throws(() => resolveScopes(JSON.stringify({ auth_login: { key: 'email' } })), /bad key/);
  });
});

describe('identifierFor', () => {
  it('keys the pair by IP and account, the account alone, and the IP alone', () => {
    const request = login('203.0.113.9', ' Alice@Example.COM ');

    assert.equal(identifierFor('auth_login', request), 'ip:203.0.113.9|acct:alice@example.com');
    assert.equal(identifierFor('auth_login_account', request), 'acct:alice@example.com');
    assert.equal(identifierFor('auth_login_ip', request), 'ip:203.0.113.9');
  });

  it('gives one account the same identifier from every IP, and one IP the same for every account', () => {
    assert.equal(
      identifierFor('auth_login_account', login('198.51.100.1', 'a@x.test')),
      identifierFor('auth_login_account', login('198.51.100.2', 'A@x.test')),
    );
    assert.equal(
      identifierFor('auth_login_ip', login('198.51.100.1', 'a@x.test')),
      identifierFor('auth_login_ip', login('198.51.100.1', 'b@x.test')),
    );
  });
});

describe('keyedIdentifier (what Redis key names hold)', () => {
  const key = Buffer.from('a'.repeat(64));

  it('holds neither the email nor the IP, only a short keyed hash', () => {
    const hashed = keyedIdentifier(key, 'ip:203.0.113.9|acct:alice@example.com');

    assert.match(hashed, /^[A-Za-z0-9_-]{22}$/);
    assert.ok(!hashed.includes('alice') && !hashed.includes('203.0.113.9'));
  });

  it('is stable for one key and differs under another (a guess cannot be checked without it)', () => {
    const identifier = 'ip:203.0.113.9';

    assert.equal(keyedIdentifier(key, identifier), keyedIdentifier(key, identifier));
    assert.notEqual(
      keyedIdentifier(key, identifier),
      keyedIdentifier(Buffer.from('b'.repeat(64)), identifier),
    );
    assert.notEqual(keyedIdentifier(key, identifier), keyedIdentifier(key, 'ip:203.0.113.8'));
  });

  it('names a pair by the hashes of its parts, so the counters of an account are found from its email alone', () => {
    const name = redisIdentifier(key, 'ip:203.0.113.9|acct:alice@example.com');

    assert.equal(
      name,
      `${keyedIdentifier(key, 'ip:203.0.113.9')}.${keyedIdentifier(key, 'acct:alice@example.com')}`,
    );
    assert.equal(
      redisIdentifier(key, 'acct:alice@example.com'),
      keyedIdentifier(key, 'acct:alice@example.com'),
    );
  });
});
