import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SIGNATURE_HEADER,
  signRequest,
  TIMESTAMP_HEADER,
  verifySignature,
} from '../../../functions/deployments/domain/signature.ts';

const KEY = 'agent-key-for-tests';
const BODY = JSON.stringify({ action: 'deploy', deploymentId: 'd-1', version: 3 });
const AT = new Date('2026-01-01T00:00:00Z');

const headersOf = (signed: ReturnType<typeof signRequest>) => ({
  timestamp: signed[TIMESTAMP_HEADER],
  signature: signed[SIGNATURE_HEADER],
});

describe('deployment request signature', () => {
  it('signs timestamp.body with HMAC-SHA256 as v1=<hex>', () => {
    const signed = signRequest(KEY, BODY, AT);

    assert.equal(signed[TIMESTAMP_HEADER], '1767225600');
    assert.match(signed[SIGNATURE_HEADER], /^v1=[0-9a-f]{64}$/);
  });

  it('verifies what it signed, within the tolerance either way', () => {
    const headers = headersOf(signRequest(KEY, BODY, AT));

    assert.deepEqual(verifySignature(KEY, BODY, headers, AT), { valid: true });
    assert.deepEqual(verifySignature(KEY, BODY, headers, new Date(AT.getTime() + 300_000)), { valid: true });
    assert.deepEqual(verifySignature(KEY, BODY, headers, new Date(AT.getTime() - 300_000)), { valid: true });
  });

  it('refuses a changed body, another key or a changed timestamp', () => {
    const headers = headersOf(signRequest(KEY, BODY, AT));

    assert.deepEqual(verifySignature(KEY, `${BODY} `, headers, AT), { valid: false, reason: 'mismatch' });
    assert.deepEqual(verifySignature('other-key', BODY, headers, AT), { valid: false, reason: 'mismatch' });
    assert.deepEqual(verifySignature(KEY, BODY, { ...headers, timestamp: '1767225601' }, AT), {
      valid: false,
      reason: 'mismatch',
    });
  });

  it('refuses a timestamp more than 300 s away', () => {
    const headers = headersOf(signRequest(KEY, BODY, AT));

    assert.deepEqual(verifySignature(KEY, BODY, headers, new Date(AT.getTime() + 301_000)), {
      valid: false,
      reason: 'stale',
    });
    assert.deepEqual(verifySignature(KEY, BODY, headers, new Date(AT.getTime() - 301_000)), {
      valid: false,
      reason: 'stale',
    });
  });

  it('refuses missing and malformed headers without comparing', () => {
    const headers = headersOf(signRequest(KEY, BODY, AT));

    assert.deepEqual(verifySignature(KEY, BODY, { ...headers, signature: undefined }, AT), {
      valid: false,
      reason: 'missing',
    });
    assert.deepEqual(verifySignature(KEY, BODY, { ...headers, timestamp: undefined }, AT), {
      valid: false,
      reason: 'missing',
    });
    assert.deepEqual(
      verifySignature(KEY, BODY, { ...headers, signature: headers.signature.replace('v1=', 'v2=') }, AT),
      { valid: false, reason: 'malformed' },
    );
    assert.deepEqual(verifySignature(KEY, BODY, { ...headers, signature: 'v1=abc' }, AT), {
      valid: false,
      reason: 'malformed',
    });
    assert.deepEqual(verifySignature(KEY, BODY, { ...headers, timestamp: 'soon' }, AT), {
      valid: false,
      reason: 'malformed',
    });
  });
});
