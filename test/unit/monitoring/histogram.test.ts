import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countAbove,
  emptyHistogram,
  foldMinutes,
  type Histogram,
  quantileMs,
} from '#functions/monitoring/domain/histogram.ts';
import { BUCKET_BOUNDS_MS, bucketIndex, fieldOf } from '#shared/metrics/request-histogram.ts';

function histogramOf(latencies: readonly number[]): Histogram {
  const histogram = emptyHistogram();
  for (const ms of latencies) {
    const index = bucketIndex(ms);
    histogram.buckets[index] = (histogram.buckets[index] ?? 0) + 1;
    histogram.count += 1;
    histogram.sumUs += Math.round(ms * 1000);
  }
  return histogram;
}

/** The bucket [lower, upper] a latency falls in (upper: Infinity for the last). */
function bucketAround(ms: number): [number, number] {
  const index = bucketIndex(ms);
  return [
    index === 0 ? 0 : (BUCKET_BOUNDS_MS[index - 1] ?? 0),
    BUCKET_BOUNDS_MS[index] ?? Number.POSITIVE_INFINITY,
  ];
}

/** A deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('request histogram buckets', () => {
  it('puts a latency on a bound in that bound’s bucket and anything past 5 s in the last', () => {
    assert.equal(bucketIndex(0), 0);
    assert.equal(bucketIndex(5), 0);
    assert.equal(bucketIndex(5.001), 1);
    assert.equal(bucketIndex(100), BUCKET_BOUNDS_MS.indexOf(100));
    assert.equal(bucketIndex(5000), BUCKET_BOUNDS_MS.length - 1);
    assert.equal(bucketIndex(5000.1), BUCKET_BOUNDS_MS.length);
  });

  it('interpolates a percentile linearly inside its bucket', () => {
    // 4 requests in [0, 5], 4 in (5, 10]: rank 4 ends the first bucket, rank 7.6 is 90 % into the second.
    const histogram = histogramOf([1, 2, 3, 4, 6, 7, 8, 9]);

    assert.equal(quantileMs(histogram, 0.5), 5);
    assert.equal(quantileMs(histogram, 0.95), 9.5);
  });

  it('estimates p50/p95/p99 within the resolution of the bucket holding the true value', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const next = random(seed);
      // Log-normal-ish latencies from ~2 ms to a few seconds, some past the last bound.
      const latencies = Array.from({ length: 50 + Math.floor(next() * 2000) }, () =>
        Math.exp(1 + next() * 7.5),
      );
      const sorted = [...latencies].sort((a, b) => a - b);
      const histogram = histogramOf(latencies);
      for (const q of [0.5, 0.95, 0.99]) {
        const truth = sorted[Math.ceil(q * sorted.length) - 1] ?? Number.NaN;
        const [lower, upper] = bucketAround(truth);
        const estimate = quantileMs(histogram, q) ?? Number.NaN;
        assert.ok(
          estimate >= lower && estimate <= Math.min(upper, Math.max(lower, 5000)),
          `seed ${seed} q ${q}: ${estimate} outside [${lower}, ${upper}] around ${truth}`,
        );
      }
    }
  });

  it('reports a percentile in the unbounded bucket as 5000 ms, and none without requests', () => {
    assert.equal(quantileMs(histogramOf([9000, 12000]), 0.5), 5000);
    assert.equal(quantileMs(emptyHistogram(), 0.5), null);
  });

  it('counts the requests over a threshold: exactly at a bound, interpolated inside a bucket', () => {
    const histogram = histogramOf([20, 80, 120, 140, 180, 250]);

    assert.equal(countAbove(histogram, 100), 4);
    assert.equal(countAbove(histogram, 200), 1);
    // (100, 150] holds 2: a threshold of 125 keeps half of them.
    assert.equal(countAbove(histogram, 125), 1 + 1 + 1);
  });

  it('folds minute hashes into one histogram per route, ignoring fields it does not know', () => {
    const minute = (n: number) => ({
      [fieldOf('api', 'keys.list', 'le=25')]: n,
      [fieldOf('api', 'keys.list', 'count')]: n,
      [fieldOf('api', 'keys.list', '2xx')]: String(n),
      [fieldOf('api', 'keys.list', 'sum_us')]: n * 20_000,
      [fieldOf('gateway', 'auth.login', 'le=inf')]: 1,
      [fieldOf('gateway', 'auth.login', 'count')]: 1,
      [fieldOf('gateway', 'auth.login', '5xx')]: 1,
      'stray|field': 9,
      'other|keys.list|count': 9,
    });

    const routes = foldMinutes([minute(2), null, minute(3)]);

    assert.deepEqual(
      routes.map((r) => [r.routeId, r.routeClass, r.histogram.count]),
      [
        ['auth.login', 'gateway', 2],
        ['keys.list', 'api', 5],
      ],
    );
    const keys = routes[1]?.histogram;
    assert.equal(keys?.buckets[BUCKET_BOUNDS_MS.indexOf(25)], 5);
    assert.equal(keys?.statuses['2xx'], 5);
    assert.equal(keys?.sumUs, 100_000);
    assert.equal(routes[0]?.histogram.buckets[BUCKET_BOUNDS_MS.length], 2);
  });
});
