import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { alarmNamePrefix } from '../../lib/config/names.ts';
import { bearer, json, localAdmin, loginAs, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';

interface Check {
  status: string;
  latencyMs: number;
  required: boolean;
  error?: string;
  facts?: Record<string, unknown>;
}

interface HealthReport {
  status: string;
  checkedAt: string;
  down: string[];
  degraded: string[];
  dependencies: Record<string, Check>;
  circuitBreakers: Record<string, { state: string; openForMs: number }>;
}

/** Every dependency the health route probes on every stage. */
const EXPECTED_DEPENDENCIES = [
  'dynamodb:app',
  'dynamodb:events',
  'dynamodb:personalKeys',
  'redis',
  'sqs:gdprExports',
  'sqs:gdprExportsDeadLetters',
  'sqs:gdprErasureFailures',
  'stepfunctions:gdprErasure',
];

function assertHealthShape(report: HealthReport): void {
  assert.ok(['ok', 'degraded', 'down'].includes(report.status), report.status);
  assert.ok(!Number.isNaN(Date.parse(report.checkedAt)));
  for (const name of EXPECTED_DEPENDENCIES) {
    const check = report.dependencies[name];
    assert.ok(check, `${name} is reported`);
    assert.ok(['ok', 'degraded', 'fail'].includes(check.status), `${name}: ${check.status}`);
    assert.equal(typeof check.latencyMs, 'number');
    assert.equal(typeof check.required, 'boolean');
    assert.equal('cause' in check, false, 'causes stay in the logs');
  }
  assert.ok(Object.keys(report.dependencies).some((name) => name.startsWith('secretsmanager:')));
  assert.equal(report.circuitBreakers['ratelimit:redis']?.state, 'closed');
  // The HTTP status follows the report: a down dependency is a 503 carrying this same body.
  assert.deepEqual(
    report.down,
    Object.entries(report.dependencies)
      .filter(([, check]) => check.required && check.status === 'fail')
      .map(([name]) => name),
  );
}

/** Every string value of a JSON document, however deep, with the key it sits under. */
function entries(value: unknown, key = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[key, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => entries(v, k));
}

describe('monitoring: health v2, alerts and system info on the deployed API', () => {
  const cloudwatch = new CloudWatchClient({});
  const stageAlarm = `${alarmNamePrefix('local')}e2e-${randomUUID().slice(0, 8)}`;
  const otherStageAlarm = `${alarmNamePrefix('e2e-elsewhere')}${randomUUID().slice(0, 8)}`;
  let adminToken = '';
  let viewerToken = '';

  before(async () => {
    adminToken = (await loginAs(localAdmin().email, localAdmin().password)).accessToken;
    const viewer = await registerUser('monitoring-viewer');
    const set = await call(
      `/v1/admin/users/${viewer.id}/roles`,
      json({ roles: ['viewer'] }, bearer(adminToken)),
    );
    assert.equal(set.status, 200, set.text);
    viewerToken = (await loginAs(viewer.email)).accessToken;
    for (const AlarmName of [stageAlarm, otherStageAlarm]) {
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName,
          Namespace: 'NimbusE2E',
          MetricName: 'Nothing',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
      await cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName, StateValue: 'ALARM', StateReason: 'e2e: forced into ALARM' }),
      );
    }
  });

  after(async () => {
    await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [stageAlarm, otherStageAlarm] }));
  });

  it('health v2: every dependency with state and latency, 200 unless a required one is down', async () => {
    const res = await call('/v1/monitoring/health', { headers: bearer(viewerToken) });

    assert.ok(res.status === 200 || res.status === 503, res.text);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const report = res.json as unknown as HealthReport;
    assertHealthShape(report);
    assert.equal(res.status, report.status === 'down' ? 503 : 200);
    // On the local stack every required dependency answers.
    assert.deepEqual(report.down, []);
    assert.equal(report.dependencies['stepfunctions:gdprErasure']?.facts?.status, 'ACTIVE');
  });

  it('health v2 answers 401 without credentials', async () => {
    const res = await call('/v1/monitoring/health');

    assert.equal(res.status, 401);
  });

  it("alerts: lists this stage's alarms in ALARM state, and no other stage's", async () => {
    const res = await call('/v1/monitoring/alerts', { headers: bearer(viewerToken) });

    assert.equal(res.status, 200, res.text);
    const body = res.json as {
      count: number;
      alarms: Array<{ name: string; state: string; reason: string | null }>;
    };
    const names = body.alarms.map((alarm) => alarm.name);
    assert.ok(names.includes(stageAlarm), names.join());
    assert.ok(!names.includes(otherStageAlarm), 'another stage’s alarm must not be listed');
    assert.ok(body.alarms.every((alarm) => alarm.state === 'ALARM'));
    assert.ok(body.alarms.every((alarm) => alarm.name.startsWith(alarmNamePrefix('local'))));
    assert.equal(body.count, body.alarms.length);
  });

  it('alerts/test: an admin publishes a test alert (202 with the message id), audited', async () => {
    const res = await call('/v1/monitoring/alerts/test', { method: 'POST', headers: bearer(adminToken) });
    const trail = await call('/v1/audit?subject=monitoring:alerts', { headers: bearer(adminToken) });

    assert.equal(res.status, 202, res.text);
    const messageId = String(res.json?.messageId ?? '');
    assert.ok(messageId.length > 0);
    assert.equal(trail.status, 200, trail.text);
    const items = (trail.json?.items ?? []) as Array<{ type: string; data: { messageId?: string } }>;
    assert.ok(
      items.some((item) => item.type === 'monitoring.alertTested' && item.data.messageId === messageId),
    );
  });

  it('alerts/test and system-info answer 403 to a non-admin', async () => {
    const test = await call('/v1/monitoring/alerts/test', { method: 'POST', headers: bearer(viewerToken) });
    const info = await call('/v1/monitoring/system-info', { headers: bearer(viewerToken) });

    assert.equal(test.status, 403, test.text);
    assert.equal(info.status, 403, info.text);
  });

  it('system-info: version, stage, config summary and dependency health, and no secret values', async () => {
    const res = await call('/v1/monitoring/system-info', { headers: bearer(adminToken) });

    assert.equal(res.status, 200, res.text);
    const body = res.json as {
      name: string;
      stage: string;
      build: { version: string; commit: string; buildTime: string; stage: string };
      config: {
        retentionDays: Record<string, number>;
        api: Record<string, number>;
        features: Record<string, boolean>;
      };
      health: HealthReport;
    };
    assert.equal(body.name, 'nimbus');
    assert.equal(body.stage, 'local');
    assert.equal(body.build.stage, 'local');
    assert.match(body.build.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof body.config.retentionDays.sessions, 'number');
    assert.equal(typeof body.config.api.throttleRateLimit, 'number');
    assert.equal(typeof body.config.features.xray, 'boolean');
    assertHealthShape(body.health);
    // No credentials: no value that is or names a token, password, secret or ARN, no endpoint.
    // Dependency names may say `secretsmanager:…Secret`; the health part is checked for ARNs and
    // endpoints only.
    const suspicious = entries({
      name: body.name,
      stage: body.stage,
      build: body.build,
      config: body.config,
    }).filter(
      ([key, value]) =>
        /token|password|secret|credential|api[-_]?key/i.test(key) ||
        /token|password|secret|arn:aws|:\/\//i.test(value),
    );
    assert.deepEqual(suspicious, []);
    assert.doesNotMatch(JSON.stringify(body.health), /arn:aws|:\/\//);
    assert.doesNotMatch(res.text, /"(accessKeyId|secretAccessKey|sessionToken)"/i);
  });
});
