import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apiKeyByOwnerKey,
  apiKeyKey,
  apiKeysOfOwner,
  emailKey,
  HEALTH_KEY,
  refreshTokenByOwnerKey,
  refreshTokenKey,
  refreshTokensOfOwner,
  sessionKey,
  sessionsOfUser,
  userByOrgKey,
  userKey,
} from '#shared/store/table-keys.ts';

describe('table keys', () => {
  it('keeps a user profile and their sessions in one partition, told apart by sort key', () => {
    const profile = userKey('u1');
    const session = sessionKey('u1', 's1');

    assert.deepEqual(profile, { pk: 'USER#u1', sk: 'PROFILE' });
    assert.deepEqual(session, { pk: 'USER#u1', sk: 'SESSION#s1' });
  });

  it('lists a user sessions with a prefix that matches every session sort key and not the profile', () => {
    const { pk, skPrefix } = sessionsOfUser('u1');

    assert.equal(pk, sessionKey('u1', 's1').pk);
    assert.ok(sessionKey('u1', 's1').sk.startsWith(skPrefix));
    assert.ok(!userKey('u1').sk.startsWith(skPrefix));
  });

  it('keys email claims, refresh tokens and API keys in partitions of their own', () => {
    assert.deepEqual(emailKey('a@b.test'), { pk: 'EMAIL#a@b.test', sk: 'EMAIL' });
    assert.deepEqual(refreshTokenKey('abc'), { pk: 'REFRESH#abc', sk: 'REFRESH' });
    assert.deepEqual(apiKeyKey('f00'), { pk: 'APIKEY#f00', sk: 'APIKEY' });
  });

  it('indexes users by organisation and API keys by owner on GSI1', () => {
    assert.deepEqual(userByOrgKey('o1', 'u1'), { gsi1pk: 'ORG#o1', gsi1sk: 'USER#u1' });
    assert.deepEqual(apiKeyByOwnerKey('u1', 'k1'), { gsi1pk: 'OWNER#u1', gsi1sk: 'APIKEY#k1' });
  });

  it('lists an owner keys with a GSI1 prefix that matches every key entry of that owner', () => {
    const { gsi1pk, gsi1skPrefix } = apiKeysOfOwner('u1');
    const entry = apiKeyByOwnerKey('u1', 'k1');

    assert.equal(gsi1pk, entry.gsi1pk);
    assert.ok(entry.gsi1sk.startsWith(gsi1skPrefix));
  });

  it("indexes a user's refresh tokens under the owner, apart from their API keys", () => {
    const token = refreshTokenByOwnerKey('u1', 's1', 'abc');
    const tokens = refreshTokensOfOwner('u1');
    const keys = apiKeysOfOwner('u1');

    assert.deepEqual(token, { gsi1pk: 'OWNER#u1', gsi1sk: 'REFRESH#s1#abc' });
    assert.equal(tokens.gsi1pk, token.gsi1pk);
    assert.ok(token.gsi1sk.startsWith(tokens.gsi1skPrefix));
    assert.ok(!token.gsi1sk.startsWith(keys.gsi1skPrefix), 'an API-key owner query never sees a token');
    assert.ok(!apiKeyByOwnerKey('u1', 'k1').gsi1sk.startsWith(tokens.gsi1skPrefix));
  });

  it('gives different kinds of item different partition keys for the same id', () => {
    const id = 'same-id';
    const partitions = [userKey(id), emailKey(id), refreshTokenKey(id), apiKeyKey(id)].map((k) => k.pk);

    assert.equal(new Set(partitions).size, partitions.length);
  });

  it('reads the readiness probe from a fixed key', () => {
    assert.deepEqual(HEALTH_KEY, { pk: 'HEALTH', sk: 'HEALTH' });
  });
});
