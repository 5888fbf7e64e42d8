import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkConsent,
  consentRoutes,
  consentTypes,
  listConsents,
  recordConsent,
} from '#functions/gdpr/consent-routes.ts';
import { type ConsentLedger, eventStoreConsentLedger } from '#functions/gdpr/store/consent-ledger.ts';
import { routes } from '#functions/routes.ts';
import type { EventStore } from '#shared/audit/event-store.ts';
import { API_KEY_PERMISSIONS, grants, isApiKeyPermission, permissionsFor } from '#shared/rbac.ts';
import { memoryEventStore } from '../../support/fakes.ts';

// Compile-time: neither the ledger nor the store under it has a method that could change or remove
// an entry. Adding one makes this file fail to type-check.
type Mutating =
  `${string}${'update' | 'Update' | 'delete' | 'Delete' | 'remove' | 'Remove' | 'put' | 'Put' | 'replace' | 'Replace'}${string}`;
const noMutation: [Extract<keyof ConsentLedger, Mutating>, Extract<keyof EventStore, Mutating>] extends [
  never,
  never,
]
  ? true
  : false = true;

const UUID = '6f1c2a0e-8a7b-4a51-9d3e-0c1b2a3d4e5f';

describe('consent routes: no way to change the ledger', () => {
  it('has no PUT, PATCH or DELETE under /v1/gdpr/consents, and POST only to append', () => {
    const ledgerRoutes = routes.filter((route) => route.path.startsWith('/v1/gdpr/consents'));

    assert.deepEqual(ledgerRoutes.map((route) => `${route.method} ${route.path}`).sort(), [
      'GET /v1/gdpr/consents/{userId}',
      'GET /v1/gdpr/consents/{userId}/check',
      'POST /v1/gdpr/consents',
    ]);
  });

  it('builds a ledger whose only methods append and read', () => {
    const ledger = eventStoreConsentLedger(memoryEventStore());

    assert.equal(noMutation, true);
    assert.deepEqual(Object.keys(ledger).sort(), ['all', 'append']);
  });
});

describe('consent routes: who may call', () => {
  it('serves the catalog to anyone', () => {
    assert.equal(consentTypes.auth, 'public');
    assert.equal(consentTypes.permission, null);
  });

  it('lets every person who signs in reach their own consents, and no API key or service role', () => {
    for (const route of [recordConsent, listConsents, checkConsent]) {
      assert.equal(route.permission, 'gdpr:own', route.id);
      assert.equal(isApiKeyPermission(route.permission), false, route.id);
      for (const role of ['viewer', 'developer', 'operator', 'admin']) {
        assert.ok(grants(permissionsFor([role]), route.permission), `${role} on ${route.id}`);
      }
      assert.equal(grants(permissionsFor(['service']), route.permission), false, route.id);
      assert.equal(grants(API_KEY_PERMISSIONS, route.permission), false, route.id);
    }
  });

  it('gives gdpr:admin (anyone’s consents) to administrators only', () => {
    for (const role of ['viewer', 'developer', 'operator', 'service']) {
      assert.equal(grants(permissionsFor([role]), 'gdpr:admin'), false, role);
    }
    assert.equal(grants(permissionsFor(['admin']), 'gdpr:admin'), true);
  });

  it('rate-limits every consent row, which also binds the key the IP is hashed with', () => {
    for (const route of consentRoutes) {
      assert.ok(route.rateLimit.length > 0, route.id);
      assert.ok(route.needs.includes('redis'), route.id);
    }
  });

  it('caches nothing: a withdrawal shows in the very next read', () => {
    for (const route of consentRoutes) assert.equal(route.cache, null, route.id);
  });
});

describe('consent routes: validation', () => {
  const body = recordConsent.request.body;
  const valid = {
    userId: UUID,
    purpose: 'analytics',
    granted: true,
    policyVersion: '2026-01',
    source: 'settings',
  };

  it('accepts a decision on a consent purpose', () => {
    assert.equal(body.safeParse(valid).success, true);
  });

  it('refuses unknown and non-consent purposes, stray fields, and prose where a label goes', () => {
    for (const bad of [
      { ...valid, purpose: 'newsletter' },
      { ...valid, purpose: 'essential' },
      { ...valid, userId: 'alice' },
      { ...valid, granted: 'yes' },
      { ...valid, policyVersion: '' },
      { ...valid, source: 'typed by alice@example.com' },
      { ...valid, extra: 1 },
    ]) {
      assert.equal(body.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('asks the check exactly one of purpose and category', () => {
    const query = checkConsent.request.query;

    assert.equal(query.safeParse({ purpose: 'essential' }).success, true);
    assert.equal(query.safeParse({ category: 'behavioral' }).success, true);
    assert.equal(query.safeParse({}).success, false);
    assert.equal(query.safeParse({ purpose: 'analytics', category: 'behavioral' }).success, false);
    assert.equal(query.safeParse({ category: 'biometric' }).success, false);
  });
});
