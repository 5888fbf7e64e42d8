import type { KeyDeps } from '../deps.ts';
import type { ApiKeyRecord } from '../store/api-keys.ts';

/** The actor of the scheduled rotation job in the audit trail. */
export const ROTATE_DUE_ACTOR = 'job:rotate-due';

/**
 * Appends one event to the key's trail (`apikey:<id>`, read back by `GET /v1/audit`). It names the
 * secret by its prefix only: the secret itself never reaches the trail or a log.
 */
export async function appendKeyEvent(
  deps: Pick<KeyDeps, 'events'>,
  key: Pick<ApiKeyRecord, 'id' | 'prefix'>,
  type: string,
  actor: string,
  correlationId: string,
  data: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  await deps.events.append({
    subject: `apikey:${key.id}`,
    type,
    actor,
    correlationId,
    data: { ...data, prefix: key.prefix },
  });
}
