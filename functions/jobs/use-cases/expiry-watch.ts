import { logger } from '#shared/observability.ts';
import type { JobContext } from '#shared/scheduled.ts';
import type { ExpiryWatchDeps } from '../deps.ts';
import {
  apiKeyWarnings,
  EXPIRY_WARNING,
  type KeyWarning,
  signingKeyWarning,
  summaryMessage,
  utcDay,
  warnedOn,
} from '../domain/expiry.ts';
import { startRun } from './run.ts';

export const EXPIRY_WATCH_JOB = 'expiry-watch';
/** How far back a subject's trail is read for today's warning; far more than a day's events on a key. */
const RECENT_EVENTS = 50;

async function notWarnedOn(
  deps: ExpiryWatchDeps,
  warnings: readonly KeyWarning[],
  day: string,
): Promise<KeyWarning[]> {
  const seen = await Promise.all(
    warnings.map(async (w) => warnedOn(await deps.events.list(w.subject, { limit: RECENT_EVENTS }), day)),
  );
  return warnings.filter((_, i) => !seen[i]);
}

/**
 * The expiry watch: API keys expiring within the warning window and a signing key overdue for
 * rotation. Every run reports what it finds as metrics (`KeysExpiringSoon`, `DaysToKeyExpiry`)
 * and one log line per key; on-call gets one summary message, and each key one audit event,
 * once per UTC day. The audit trail is the memory: a key already warned about today is not
 * warned about again, and a key is recorded only after the message went out, so a failed
 * publish is retried by the next run rather than lost (two overlapping runs may both send).
 */
export async function expiryWatch(deps: ExpiryWatchDeps, context: JobContext): Promise<void> {
  const { now, correlationId } = context;
  const { expiryWarningDays, signingKeyGraceDays } = deps.settings;
  const day = utcDay(now);
  const run = startRun(deps, EXPIRY_WATCH_JOB, context);

  const apiKeys = await run.step('api-keys', async () =>
    apiKeyWarnings(await deps.apiKeys.findExpiring(now, expiryWarningDays), now, expiryWarningDays),
  );
  const signingKey = await run.step('signing-keys', async () =>
    signingKeyWarning(await deps.signingKeys.status(now), now, signingKeyGraceDays),
  );
  const warnings = [...(apiKeys ?? []), ...(signingKey ? [signingKey] : [])];

  deps.metric('KeysExpiringSoon', warnings.length);
  for (const w of warnings) {
    deps.metric('DaysToKeyExpiry', w.daysLeft);
    logger.warn('key expiring or overdue for rotation', {
      kind: w.kind,
      keyId: w.keyId,
      deadline: w.deadline,
      daysLeft: w.daysLeft,
    });
  }

  const fresh = (await run.step('dedupe', () => notWarnedOn(deps, warnings, day))) ?? [];
  let warned = 0;
  if (fresh.length > 0) {
    const message = summaryMessage(deps.stage, fresh);
    const sent = await run.step('alert', async () => {
      await deps.alerts.publish(message.subject, message.body);
      return true;
    });
    if (sent) {
      for (const w of fresh) {
        const recorded = await run.step('audit', () =>
          deps.events.append({
            subject: w.subject,
            type: EXPIRY_WARNING,
            actor: `job:${EXPIRY_WATCH_JOB}`,
            correlationId,
            // The owner's id is sealed with the owner's key, like everything else about them.
            about: w.ownerId,
            data: {
              day,
              kind: w.kind,
              keyId: w.keyId,
              ownerId: w.ownerId,
              deadline: w.deadline,
              daysLeft: w.daysLeft,
            },
          }),
        );
        if (recorded) warned++;
      }
    }
  }
  await run.finish({ day, found: warnings.length, warned });
}
