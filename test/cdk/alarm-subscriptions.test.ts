import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { resolveStage } from '../../lib/config/resolve-stage.ts';
import { configSummary } from '../../lib/config/summary.ts';
import { ApiAlarms } from '../../lib/constructs/api-alarms.ts';

function topicOf(config: ReturnType<typeof resolveStage>) {
  const stack = new Stack(new App(), 'Alarms');
  new ApiAlarms(stack, 'Alarms', { config });
  return Template.fromStack(stack);
}

describe('alarm topic subscribers from the deploy context', () => {
  it('subscribes each email and each https webhook to the alarm topic, once', () => {
    const config = resolveStage('prod', {
      alarmEmails: 'oncall@example.com, ops@example.com,oncall@example.com',
      alarmWebhooks: 'https://hooks.example.com/nimbus',
    });
    const template = topicOf(config);
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription') as Record<
        string,
        { Properties: Record<string, unknown> }
      >,
    ).map((s) => [s.Properties.Protocol, s.Properties.Endpoint]);
    assert.deepEqual(subscriptions.sort(), [
      ['email', 'oncall@example.com'],
      ['email', 'ops@example.com'],
      ['https', 'https://hooks.example.com/nimbus'],
    ]);
  });

  it('has none unless the deploy names them', () => {
    assert.deepEqual(Object.keys(topicOf(resolveStage('prod')).findResources('AWS::SNS::Subscription')), []);
  });

  it('refuses a malformed email or a non-https webhook at synth, naming it', () => {
    assert.throws(() => resolveStage('prod', { alarmEmails: 'not-an-email' }), /email "not-an-email"/);
    assert.throws(
      () => resolveStage('staging', { alarmWebhooks: 'http://hooks.example.com/x' }),
      /webhook "http:\/\/hooks\.example\.com\/x" \(https only\)/,
    );
    assert.throws(() => resolveStage('prod', { alarmEmails: 42 }), /comma-separated list/);
  });

  it('shows how many subscribers in the system info, never their addresses', () => {
    const summary = JSON.stringify(
      configSummary(resolveStage('prod', { alarmEmails: 'oncall@example.com' })),
    );
    assert.doesNotMatch(summary, /oncall@example\.com/);
    assert.match(summary, /"emailSubscribers":1/);
  });
});
