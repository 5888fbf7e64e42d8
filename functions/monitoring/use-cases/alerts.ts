import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import { logger } from '#shared/observability.ts';
import type { AlertsDeps, AlertTestDeps } from '../deps.ts';
import { stageAlarmsInAlarm } from '../domain/alarms.ts';

/** The stage's alarms now in ALARM state, newest first. */
export async function activeAlerts(deps: AlertsDeps) {
  const listed = await deps.alarmsInAlarm(deps.alarmNamePrefix).catch((error: unknown) => {
    logger.warn('alarms could not be listed', {
      cause: error instanceof Error ? error.message : String(error),
    });
    throw new DependencyUnavailableError('CloudWatch did not answer: the alarms cannot be listed.');
  });
  const alarms = stageAlarmsInAlarm(listed, deps.alarmNamePrefix);
  return { count: alarms.length, alarms };
}

/**
 * Publishes a test message to the stage's alarm topic (so on-call can see the path works end to
 * end) and audits who sent it. The message names no person: only the stage and the time.
 */
export async function sendTestAlert(deps: AlertTestDeps, actor: string, correlationId: string) {
  const sentAt = deps.now().toISOString();
  const subject = `[Nimbus ${deps.stage}] Test alert`;
  const message = JSON.stringify({
    kind: 'nimbus.test-alert',
    stage: deps.stage,
    sentAt,
    correlationId,
    text: 'A test alert sent from POST /v1/monitoring/alerts/test. Nothing is wrong; no action is needed.',
  });
  const messageId = await deps.publish(subject, message).catch((error: unknown) => {
    logger.warn('test alert not published', {
      cause: error instanceof Error ? error.message : String(error),
    });
    throw new DependencyUnavailableError('The alarm topic did not accept the test alert.');
  });
  await deps.events.append({
    subject: 'monitoring:alerts',
    type: 'monitoring.alertTested',
    actor,
    correlationId,
    data: { messageId, stage: deps.stage },
  });
  return { messageId, sentAt };
}
