import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthDeps } from '#functions/monitoring/deps.ts';
import { aggregateHealth, healthHttpStatus } from '#functions/monitoring/domain/health.ts';
import { dependencyHealth, systemInfo } from '#functions/monitoring/use-cases/health.ts';
import { STAGE_CONFIGS } from '#lib/config/stages.ts';
import { configSummary } from '#lib/config/summary.ts';
import { type Probe, ProbeReport } from '#shared/health/checks.ts';

const answers = (name: string, required = true): Probe => ({ name, required, run: async () => 'ok' });
const fails = (name: string, required = true): Probe => ({
  name,
  required,
  run: async () => {
    throw new Error(`connect ECONNREFUSED 10.1.2.3 for ${name}`);
  },
});

function healthDeps(probes: Probe[], breakers: HealthDeps['breakers'] = () => ({})): HealthDeps {
  return {
    probes,
    timeoutMs: 1000,
    slowMs: 500,
    breakers,
    now: () => new Date('2026-12-01T10:00:00.000Z'),
  };
}

describe('aggregateHealth', () => {
  const ok = { status: 'ok', required: true } as const;

  it('is ok when every check is ok and every breaker closed', () => {
    const summary = aggregateHealth({ a: ok, b: { ...ok, required: false } }, { r: { state: 'closed' } });

    assert.deepEqual(summary, { status: 'ok', down: [], degraded: [] });
  });

  it('is down when a required dependency fails, naming it', () => {
    const summary = aggregateHealth({ table: { status: 'fail', required: true }, redis: ok }, {});

    assert.deepEqual(summary, { status: 'down', down: ['table'], degraded: [] });
  });

  it('is degraded, not down, when only an optional dependency fails', () => {
    const summary = aggregateHealth({ table: ok, redis: { status: 'fail', required: false } }, {});

    assert.deepEqual(summary, { status: 'degraded', down: [], degraded: ['redis'] });
  });

  it('is degraded when a required dependency is slow or warns', () => {
    const summary = aggregateHealth({ table: { status: 'degraded', required: true } }, {});

    assert.deepEqual(summary, { status: 'degraded', down: [], degraded: ['table'] });
  });

  it('is degraded when a circuit breaker is open, naming the breaker', () => {
    const summary = aggregateHealth({ table: ok }, { 'ratelimit:redis': { state: 'open' } });

    assert.deepEqual(summary, { status: 'degraded', down: [], degraded: ['breaker:ratelimit:redis'] });
  });

  it('is down when a required dependency fails even while others only degrade', () => {
    const summary = aggregateHealth(
      { table: { status: 'fail', required: true }, redis: { status: 'fail', required: false } },
      { 'ratelimit:redis': { state: 'open' } },
    );

    assert.equal(summary.status, 'down');
    assert.deepEqual(summary.down, ['table']);
    assert.deepEqual(summary.degraded, ['redis', 'breaker:ratelimit:redis']);
  });
});

describe('healthHttpStatus', () => {
  it('answers 200 while ok or degraded and 503 when down', () => {
    assert.equal(healthHttpStatus('ok'), 200);
    assert.equal(healthHttpStatus('degraded'), 200);
    assert.equal(healthHttpStatus('down'), 503);
  });
});

describe('dependencyHealth (the health v2 use case)', () => {
  it('reports each dependency with its latency, and the breakers, as ok', async () => {
    const deps = healthDeps([answers('dynamodb:app'), answers('redis', false)], () => ({
      'ratelimit:redis': { state: 'closed', openForMs: 0 },
    }));

    const report = await dependencyHealth(deps);

    assert.equal(report.status, 'ok');
    assert.equal(report.checkedAt, '2026-12-01T10:00:00.000Z');
    assert.deepEqual(Object.keys(report.dependencies).sort(), ['dynamodb:app', 'redis']);
    assert.ok(Number.isInteger(report.dependencies['dynamodb:app']?.latencyMs));
    assert.deepEqual(report.circuitBreakers, { 'ratelimit:redis': { state: 'closed', openForMs: 0 } });
  });

  it('returns a report, never throws, when a required dependency is down, and hides the cause', async () => {
    const deps = healthDeps([fails('dynamodb:app'), answers('redis', false)]);

    const report = await dependencyHealth(deps);

    assert.equal(report.status, 'down');
    assert.deepEqual(report.down, ['dynamodb:app']);
    assert.equal(report.dependencies['dynamodb:app']?.status, 'fail');
    assert.equal(report.dependencies['dynamodb:app']?.error, 'Error');
    assert.doesNotMatch(JSON.stringify(report), /10\.1\.2\.3/);
  });

  it('is degraded when a dead-letter queue holds messages, with its depth', async () => {
    const dlq: Probe = {
      name: 'sqs:gdprExportsDeadLetters',
      required: false,
      run: async () => new ProbeReport({ messages: 2, inFlight: 0 }, 'dead letters waiting'),
    };

    const report = await dependencyHealth(healthDeps([answers('dynamodb:app'), dlq]));

    assert.equal(report.status, 'degraded');
    assert.deepEqual(report.degraded, ['sqs:gdprExportsDeadLetters']);
    assert.deepEqual(report.dependencies['sqs:gdprExportsDeadLetters']?.facts, { messages: 2, inFlight: 0 });
  });

  it('bounds each probe by the timeout: a hanging required dependency is down as timeout', {
    timeout: 5_000,
  }, async () => {
    const hanging: Probe = { name: 'dynamodb:events', run: () => new Promise(() => {}) };

    const report = await dependencyHealth({ ...healthDeps([hanging]), timeoutMs: 50, slowMs: 25 });

    assert.equal(report.status, 'down');
    assert.equal(report.dependencies['dynamodb:events']?.error, 'timeout');
  });
});

describe('systemInfo', () => {
  it('gives build, stage, the config summary and the health report', async () => {
    const build = { stage: 'local', version: '1.2.3', commit: 'abc1234', buildTime: '2026-12-01T00:00:00Z' };
    const config = configSummary(STAGE_CONFIGS.local);

    const info = await systemInfo({ ...healthDeps([answers('dynamodb:app')]), build, config });

    assert.equal(info.name, 'nimbus');
    assert.equal(info.stage, 'local');
    assert.deepEqual(info.build, build);
    assert.deepEqual(info.config, config);
    assert.equal(info.health.status, 'ok');
  });
});
