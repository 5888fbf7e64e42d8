import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { alarmNamePrefix } from '../../lib/config/names.ts';
import { STAGE_CONFIGS, type Stage } from '../../lib/config/stages.ts';
import { BURN_RATE_WINDOWS, budgetOf, burnThreshold } from '../../lib/constructs/slo-alarms.ts';
import { ObservabilityStack } from '../../lib/stacks/observability-stack.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-observability-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

type Alarm = { Properties: Record<string, unknown> };

function observability(stage: Stage) {
  const app = new App({ outdir: join(outdir, stage) });
  const config = STAGE_CONFIGS[stage];
  const api = new Stack(app, 'Api');
  const restApi = new RestApi(api, 'Api', { deployOptions: { stageName: stage } });
  restApi.root.addMethod('GET');
  const topic = new Topic(api, 'Topic');
  const stack = new ObservabilityStack(app, 'Observability', { config, api: restApi, alertTopic: topic });
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
  const named = (suffix: string): Alarm => {
    const found = alarms.find((a) => a.Properties.AlarmName === `${alarmNamePrefix(stage)}${suffix}`);
    assert.ok(found, `alarm ${suffix}`);
    return found;
  };
  return { config, template, alarms, named };
}

for (const stage of ['local', 'prod'] as const) {
  describe(`observability stack (${stage})`, () => {
    const { config, template, alarms, named } = observability(stage);

    it('alarms on each route class p95 at its SLO from the stage config', () => {
      assert.equal(named('gateway-latency-p95').Properties.Threshold, config.slo.gateway.p95Ms);
      assert.equal(named('api-latency-p95').Properties.Threshold, config.slo.api.p95Ms);
      assert.equal(named('api-latency-p95').Properties.ExtendedStatistic, 'p95');
    });

    it('has both windows of every burn-rate alarm, at factor × error budget', () => {
      for (const routeClass of ['gateway', 'api'] as const) {
        for (const sli of ['availability', 'latency'] as const) {
          for (const w of BURN_RATE_WINDOWS) {
            const budget = budgetOf(sli, config.slo[routeClass]);
            const long = named(`${routeClass}-${sli}-burn-${w.name.toLowerCase()}-long`);
            const short = named(`${routeClass}-${sli}-burn-${w.name.toLowerCase()}-short`);
            const expected = burnThreshold(sli, w.factor * budget);
            for (const alarm of [long, short]) {
              assert.ok(Math.abs(Number(alarm.Properties.Threshold) - expected.threshold) < 1e-9);
              assert.equal(alarm.Properties.ComparisonOperator, expected.comparisonOperator);
            }
            if (sli === 'latency')
              assert.equal(long.Properties.ExtendedStatistic, `PR(:${config.slo[routeClass].p95Ms})`);
            const period = (a: Alarm) =>
              JSON.stringify(a.Properties).match(/"Period":(\d+)/)?.[1] ?? String(a.Properties.Period);
            assert.equal(Number(period(long)), w.long.toSeconds(), 'long window');
            assert.equal(Number(period(short)), w.short.toSeconds(), 'short window');
          }
        }
      }
      const composites = Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm')).length;
      // Only where the target has composite alarms (the emulator would refuse the deploy).
      assert.equal(composites, config.features.compositeAlarms ? 8 : 0);
    });

    it("has the seeds' rules: error rate over 10 %, p95 over 5 s, throttles, a silent or failing canary, keys expiring, Redis fallback", () => {
      for (const routeClass of ['gateway', 'api']) {
        assert.equal(named(`${routeClass}-error-rate`).Properties.Threshold, 0.1);
        assert.equal(named(`${routeClass}-error-rate`).Properties.MetricName, 'ServerError');
      }
      // No metric math in any alarm: the emulator refuses it, and plain statistics say the same.
      for (const alarm of alarms) assert.equal(alarm.Properties.Metrics, undefined);
      assert.equal(named('api-latency-p95-5s').Properties.Threshold, 5000);
      assert.equal(named('lambda-throttles').Properties.MetricName, 'Throttles');
      assert.equal(named('health-canary').Properties.TreatMissingData, 'breaching');
      assert.equal(named('keys-expiring').Properties.MetricName, 'KeysExpiringSoon');
      // Every service's limiter and cache fallbacks, one series: three minutes of it.
      const fallback = named('redis-fallback').Properties;
      assert.equal(fallback.MetricName, 'RedisFallbacks');
      const dimensions = [...(fallback.Dimensions as { Name: string; Value: string }[])];
      assert.deepEqual(
        dimensions.sort((a, b) => a.Name.localeCompare(b.Name)),
        [
          { Name: 'service', Value: 'redis' },
          { Name: 'stage', Value: config.stage },
        ],
      );
      assert.equal(fallback.EvaluationPeriods, 3);
    });

    it('sends every alarm to the alert topic', () => {
      for (const alarm of alarms) assert.equal((alarm.Properties.AlarmActions as unknown[]).length, 1);
    });

    it('fires the health canary on the stage schedule, at the API reachable from the function', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: config.jobs.schedules.healthCanary,
      });
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Alarm[];
      const env = JSON.stringify(functions.map((f) => f.Properties.Environment));
      assert.ok(env.includes('NIMBUS_HEALTH_CANARY_URL'));
      if (config.api.publicUrlTemplate) assert.ok(env.includes('_aws/execute-api'), env);
    });

    it('has a dashboard for the stage', () => {
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `nimbus-${stage}` });
    });
  });
}
