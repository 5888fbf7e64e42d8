import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpiryWatchDeps, RotateDueDeps } from '#functions/jobs/deps.ts';
import { memoryEventStore } from '../../support/fakes.ts';
import {
  captureOutput,
  fakeApiKeyJobs,
  fakeSigningKeyJobs,
  jobContext,
  metricLog,
} from '../../support/jobs.ts';

// Every level reaches the output, so that nothing a job logs escapes the scan.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
const { rotateDue } = await import('#functions/jobs/use-cases/rotate-due.ts');
const { expiryWatch } = await import('#functions/jobs/use-cases/expiry-watch.ts');

const NOW = '2026-03-01T08:00:00.000Z';
/** What key material looks like in this codebase: a private JWK member and an API-key secret. */
const PRIVATE_JWK = '{"kty":"EC","crv":"P-256","kid":"kid-9","x":"AAA","y":"BBB","d":"c2VjcmV0LXNjYWxhcg"}';
const API_SECRET = 'nmb_live_k1_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const KEY_MATERIAL = [/"d"\s*:/, /nmb_/, /c2VjcmV0LXNjYWxhcg/, /9f8e7d6c5b4a3928/];

describe('job logs', () => {
  it('carry no key material, even when the features fail with it in their errors', async () => {
    const events = memoryEventStore(() => new Date(NOW));
    const metrics = metricLog();
    // The failures a rotation could plausibly report: the key that failed its probe, the secret
    // that could not be stored.
    const rotate: RotateDueDeps = {
      events,
      metric: metrics.metric,
      signingKeys: fakeSigningKeyJobs(
        { currentKid: 'kid-9', nextRotationAt: null },
        {
          rotateIfDue: async () => {
            throw new Error(`testSecret: probe failed for ${PRIVATE_JWK}`);
          },
        },
      ),
      apiKeys: fakeApiKeyJobs([], {
        rotateDue: async () => {
          throw new Error(`could not store new secret ${API_SECRET} for k1`);
        },
      }),
    };
    const watch: ExpiryWatchDeps = {
      events,
      metric: metrics.metric,
      apiKeys: fakeApiKeyJobs([{ keyId: 'k1', ownerId: 'u1', expiresAt: '2026-03-03T08:00:00.000Z' }]),
      signingKeys: {
        status: async () => {
          throw new Error(`unreadable key set ${PRIVATE_JWK}`);
        },
      },
      alerts: {
        publish: async () => {
          throw new Error(`SNS refused message mentioning ${API_SECRET}`);
        },
      },
      settings: { expiryWarningDays: 14, signingKeyGraceDays: 3 },
      stage: 'test',
    };

    const output = await captureOutput(async () => {
      await assert.rejects(rotateDue(rotate, jobContext(NOW)));
      await assert.rejects(expiryWatch(watch, jobContext(NOW)));
    });

    // The scan saw the logs it is about: every failed step, and the key the watch found.
    for (const expected of ['job step failed', 'signing-keys', 'api-keys', 'alert', '"keyId":"k1"']) {
      assert.ok(output.includes(expected), `${expected} in the captured logs`);
    }
    for (const pattern of KEY_MATERIAL) assert.doesNotMatch(output, pattern);
  });
});
