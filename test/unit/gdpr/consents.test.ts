import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONSENT_PURPOSES,
  CONSENT_TYPES,
  DATA_CATEGORY_NAMES,
  LEGAL_BASES,
  purposesCovering,
} from '#functions/gdpr/domain/consent-types.ts';
import {
  type ConsentEntry,
  checkCategory,
  currentState,
  type LedgerEvent,
  readEntry,
} from '#functions/gdpr/domain/consents.ts';
import { SHREDDED } from '../../support/gdpr-fakes.ts';

const data = {
  purpose: 'analytics',
  granted: true,
  policyVersion: 'v1',
  source: 'banner',
  ipHash: 'AbCdEfGhIjKlMnOpQrStUv',
  userAgent: 'Mozilla/5.0',
};
const event = (overrides: Partial<LedgerEvent> = {}): LedgerEvent => ({
  version: 1,
  type: 'consent.granted',
  actor: 'user-1',
  at: '2026-01-01T12:00:00.000Z',
  data,
  ...overrides,
});
const entry = (purpose: string, granted: boolean, at: string, policyVersion = 'v1'): ConsentEntry => ({
  ...data,
  version: 1,
  actor: 'user-1',
  purpose,
  granted,
  at,
  policyVersion,
});

describe('the catalog', () => {
  it('names only GDPR art. 6 bases and declared categories, and each category is used by some purpose', () => {
    for (const type of CONSENT_TYPES) {
      assert.ok(Object.hasOwn(LEGAL_BASES, type.legalBasis), type.purpose);
      assert.ok(type.dataCategories.length > 0, type.purpose);
    }
    for (const category of DATA_CATEGORY_NAMES) assert.ok(purposesCovering(category).length > 0, category);
  });

  it('asks consent for everything but the service itself', () => {
    assert.deepEqual(CONSENT_PURPOSES, ['analytics', 'marketing', 'personalisation', 'third-party-sharing']);
  });
});

describe('readEntry', () => {
  it('reads a decision whose data opens', () => {
    assert.deepEqual(readEntry(event()), {
      version: 1,
      at: '2026-01-01T12:00:00.000Z',
      actor: 'user-1',
      ...data,
    });
  });

  it('reads nothing from an entry whose data no longer opens, or that contradicts its type', () => {
    const unreadable = [
      event({ data: {} }),
      event({ data: { sealed: 'AAAA' } }),
      event({ data: { ...data, ipHash: SHREDDED } }),
      event({ data: { ...data, granted: SHREDDED } }),
      event({ data: Object.fromEntries(Object.keys(data).map((key) => [key, SHREDDED])) }),
      event({ type: 'consent.withdrawn' }),
    ];

    for (const e of unreadable) assert.equal(readEntry(e), undefined, JSON.stringify(e));
  });

  // A withdrawal must never be ignored because a free field looks like the shredding marker.
  it('reads a decision whose label fields or user agent happen to read erased', () => {
    const withdrawal = {
      ...data,
      granted: false,
      policyVersion: SHREDDED,
      source: SHREDDED,
      userAgent: SHREDDED,
    };

    assert.equal(readEntry(event({ type: 'consent.withdrawn', data: withdrawal }))?.granted, false);
  });
});

describe('currentState', () => {
  it('takes the newest entry of each purpose, and grants the essential purpose by contract', () => {
    const states = currentState([
      entry('analytics', false, '2026-01-03T00:00:00.000Z', 'v2'),
      entry('analytics', true, '2026-01-02T00:00:00.000Z'),
      entry('marketing', true, '2026-01-01T00:00:00.000Z'),
    ]);

    assert.deepEqual(states, [
      {
        purpose: 'essential',
        legalBasis: 'contract',
        granted: true,
        since: null,
        policyVersion: null,
        source: null,
      },
      {
        purpose: 'analytics',
        legalBasis: 'consent',
        granted: false,
        since: '2026-01-03T00:00:00.000Z',
        policyVersion: 'v2',
        source: 'banner',
      },
      {
        purpose: 'marketing',
        legalBasis: 'consent',
        granted: true,
        since: '2026-01-01T00:00:00.000Z',
        policyVersion: 'v1',
        source: 'banner',
      },
      {
        purpose: 'personalisation',
        legalBasis: 'consent',
        granted: false,
        since: null,
        policyVersion: null,
        source: null,
      },
      {
        purpose: 'third-party-sharing',
        legalBasis: 'consent',
        granted: false,
        since: null,
        policyVersion: null,
        source: null,
      },
    ]);
  });
});

describe('checkCategory', () => {
  it('dates a category granted by several purposes from the most recent grant', () => {
    const states = currentState([
      entry('personalisation', true, '2026-01-05T00:00:00.000Z', 'v3'),
      entry('analytics', true, '2026-01-02T00:00:00.000Z'),
    ]);

    const answer = checkCategory(states, 'behavioral');

    assert.deepEqual(answer, {
      granted: true,
      since: '2026-01-05T00:00:00.000Z',
      policyVersion: 'v3',
      legalBasis: 'consent',
      grantedBy: ['analytics', 'personalisation'],
    });
  });

  it('is not granted, with no date, for a category no purpose has been decided on', () => {
    assert.deepEqual(checkCategory(currentState([]), 'behavioral'), {
      granted: false,
      since: null,
      policyVersion: null,
      legalBasis: null,
      grantedBy: [],
    });
  });
});
