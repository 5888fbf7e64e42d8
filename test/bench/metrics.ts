/**
 * The flat view of a run that budgets.json is written against (`bench:check`), and the issue's
 * targets with whether this run meets them.
 */
import type { CacheL1Result } from './cache.ts';
import { COLD_PATH_TARGET_RATIO, type ColdPathResult } from './cold-path.ts';
import { COLD_TARGETS, type ColdStartResult } from './cold-start.ts';
import type { CostModel } from './cost.ts';
import type { LoadResult } from './load.ts';
import { PIPELINE_TARGET_P99_US, type PipelineResult } from './pipeline.ts';
import type { RateLimitResult } from './ratelimit.ts';
import type { TokenResult } from './tokens.ts';

export interface Metric {
  readonly value: number;
  readonly unit: string;
  /** Which direction is a regression: `lower` is better → a budget is a `max`. */
  readonly better: 'lower' | 'higher';
}

export interface TargetStatus {
  readonly id: string;
  readonly description: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

export interface Sections {
  readonly coldStart: ColdStartResult;
  readonly pipeline: PipelineResult;
  readonly tokens: TokenResult;
  readonly rateLimit: RateLimitResult;
  readonly load: LoadResult;
  readonly cost: CostModel;
  readonly cacheL1: CacheL1Result;
  /** Absent from results written before §8. */
  readonly coldPath?: ColdPathResult;
}

const kb = (bytes: number): number => Math.round(bytes / 102.4) / 10;

/** Redis round trips per L1 hit, the worse of the two variants. */
export const l1RoundTrips = (c: CacheL1Result): number =>
  Math.max(c.noTags.roundTripsPerHit, c.tagged.roundTripsPerHit);

export function flattenMetrics(s: Sections): Record<string, Metric> {
  const m: Record<string, Metric> = {};
  const lower = (id: string, value: number, unit: string) => {
    m[id] = { value, unit, better: 'lower' };
  };
  const higher = (id: string, value: number, unit: string) => {
    m[id] = { value, unit, better: 'higher' };
  };
  lower('cold.empty.importMs', s.coldStart.empty.import.medianMs, 'ms');
  for (const h of s.coldStart.handlers) {
    lower(`cold.${h.name}.minifiedKB`, kb(h.bundle.minifiedBytes), 'KB');
    lower(`cold.${h.name}.gzipKB`, kb(h.bundle.gzipBytes), 'KB');
    lower(`cold.${h.name}.importMs`, h.bundle.import.medianMs, 'ms');
    lower(`cold.${h.name}.importRatio`, h.importRatio, '× empty');
  }
  lower('cold.functions.medianKB', s.coldStart.fleet.medianKB, 'KB');
  lower('cold.functions.largestKB', s.coldStart.fleet.largestKB, 'KB');
  lower('cold.functions.noNeedsLargestKB', s.coldStart.fleet.noNeedsLargestKB, 'KB');
  lower('pipeline.p50Us', s.pipeline.pipeline.us.p50, 'µs');
  lower('pipeline.p99Us', s.pipeline.pipeline.us.p99, 'µs');
  lower('pipeline.overheadP50Us', s.pipeline.overheadUs.p50, 'µs');
  lower('pipeline.emfLinesPerRequest', s.pipeline.emfLinesPerRequest, 'lines');
  lower('tokens.verifier.coldP50Us', s.tokens.verifier.cold.p50, 'µs');
  lower('tokens.verifier.coldP99Us', s.tokens.verifier.cold.p99, 'µs');
  lower('tokens.verifier.warmP50Us', s.tokens.verifier.warm.p50, 'µs');
  lower('tokens.verifier.warmP99Us', s.tokens.verifier.warm.p99, 'µs');
  higher('ratelimit.sequential.perSecond', s.rateLimit.sequential.perSecond, '/s');
  lower('ratelimit.sequential.p99Us', s.rateLimit.sequential.us.p99, 'µs');
  higher('ratelimit.concurrent.perSecond', s.rateLimit.concurrent.perSecond, '/s');
  lower('ratelimit.allowed.roundTrips', s.rateLimit.sequential.roundTripsPerDecision, 'trips');
  lower('ratelimit.blocked.roundTrips', s.rateLimit.blocked.roundTripsPerDecision, 'trips');
  lower('ratelimit.route.roundTrips', s.rateLimit.route.roundTripsPerRequest, 'trips');
  lower('ratelimit.routeWithMetrics.roundTrips', s.rateLimit.routeWithMetrics.roundTripsPerRequest, 'trips');
  higher('load.nimbus.requestsPerSecond', s.load.nimbus.requestsPerSecond, 'req/s');
  lower('load.nimbus.p99Ms', s.load.nimbus.latencyMs.p99, 'ms');
  higher('load.authOnly.requestsPerSecond', s.load.authOnly.requestsPerSecond, 'req/s');
  lower('load.nimbus.non2xx', s.load.nimbus.non2xx + s.load.nimbus.errors, 'responses');
  lower('cost.maxPerMillion', Math.max(...s.cost.rows.map((r) => r.total)), '$');
  lower('cache.l1.noTags.p50Us', s.cacheL1.noTags.us.p50, 'µs');
  lower('cache.l1.noTags.p99Us', s.cacheL1.noTags.us.p99, 'µs');
  lower('cache.l1.tagged.p50Us', s.cacheL1.tagged.us.p50, 'µs');
  lower('cache.l1.tagged.p99Us', s.cacheL1.tagged.us.p99, 'µs');
  lower('cache.l1.roundTrips', l1RoundTrips(s.cacheL1), 'trips');
  // Only while the local stack ran: otherwise absent, and bench:check reports the budgets MISSING.
  if (s.coldPath?.measured) {
    const { variants, ratio } = s.coldPath;
    lower('coldPath.nimbus.totalMs', variants.nimbus.total.medianMs, 'ms');
    lower('coldPath.nimbus.authorizerMs', variants.nimbus.authorizer.medianMs, 'ms');
    lower('coldPath.nimbus.routeMs', variants.nimbus.route.medianMs, 'ms');
    lower('coldPath.before.totalMs', variants.before.total.medianMs, 'ms');
    lower('coldPath.naive.totalMs', variants.naive.total.medianMs, 'ms');
    lower('coldPath.ratioToBefore', ratio.toBefore, '× before');
  }
  return m;
}

export function targetsOf(s: Sections): TargetStatus[] {
  const targets: TargetStatus[] = [];
  const { fleet } = s.coldStart;
  targets.push({
    id: 'cold.functions.medianKB',
    description: `median minified bundle of ${s.coldStart.functions.length} functions`,
    target: `≤ ${COLD_TARGETS.medianKB} KB`,
    value: `${fleet.medianKB} KB`,
    met: fleet.meets.median,
  });
  targets.push({
    id: 'cold.functions.largestKB',
    description: 'largest minified bundle',
    target: `≤ ${COLD_TARGETS.largestKB} KB`,
    value: `${fleet.largestKB} KB`,
    met: fleet.meets.largest,
  });
  targets.push({
    id: 'cold.functions.noNeedsLargestKB',
    description: 'largest bundle of a route without needs',
    target: `≤ ${COLD_TARGETS.noNeedsKB} KB`,
    value: `${fleet.noNeedsLargestKB} KB`,
    met: fleet.meets.noNeeds,
  });
  for (const h of s.coldStart.handlers) {
    targets.push({
      id: `cold.${h.name}.importRatio`,
      description: `${h.name}: module import ÷ empty module (median)`,
      target: `≤ ${h.needs ? COLD_TARGETS.needsImportRatio : COLD_TARGETS.noNeedsImportRatio}×`,
      value: `${h.importRatio}× (${h.bundle.import.medianMs} ms)`,
      met: h.meets.importRatio,
    });
  }
  targets.push({
    id: 'pipeline.p99Us',
    description: 'pipeline warm p99, no I/O',
    target: `≤ ${PIPELINE_TARGET_P99_US} µs`,
    value: `${s.pipeline.pipeline.us.p99} µs`,
    met: s.pipeline.meetsTarget,
  });
  targets.push({
    id: 'ratelimit.allowed.roundTrips',
    description: 'Redis round trips per allowed decision',
    target: '1',
    value: String(s.rateLimit.sequential.roundTripsPerDecision),
    met: s.rateLimit.sequential.roundTripsPerDecision <= 1,
  });
  targets.push({
    id: 'ratelimit.route.roundTrips',
    description: 'Redis round trips per allowed request (2 scopes)',
    target: '1',
    value: String(s.rateLimit.route.roundTripsPerRequest),
    met: s.rateLimit.route.roundTripsPerRequest <= 1,
  });
  targets.push({
    id: 'ratelimit.blocked.roundTrips',
    description: `Redis round trips per decision on a blocked identifier (${s.rateLimit.blocked.scope})`,
    target: '0',
    value: String(s.rateLimit.blocked.roundTripsPerDecision),
    met: s.rateLimit.blocked.roundTripsPerDecision === 0,
  });
  targets.push({
    id: 'cache.l1.roundTrips',
    description: 'Redis round trips per cache L1 hit (tag versions fresh)',
    target: '0',
    value: String(l1RoundTrips(s.cacheL1)),
    met: l1RoundTrips(s.cacheL1) === 0 && s.cacheL1.noTags.allL1 && s.cacheL1.tagged.allL1,
  });
  const cp = s.coldPath;
  targets.push({
    id: 'coldPath.ratioToBefore',
    description:
      'cold path: fresh authorizer + GET /v1/me to its 200, real I/O, median ÷ the same bundled as before issue 14',
    target: `≤ ${COLD_PATH_TARGET_RATIO}×`,
    value: cp?.measured
      ? `${cp.ratio.toBefore}× (${cp.variants.nimbus.total.medianMs} vs ${cp.variants.before.total.medianMs} ms)`
      : (cp?.reason ?? 'not measured'),
    met: cp?.measured === true && cp.meets,
  });
  return targets;
}
