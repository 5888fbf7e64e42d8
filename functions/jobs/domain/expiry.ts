/**
 * What the expiry watch warns about, decided from instants alone (no AWS types, no clock): API
 * keys whose expiry falls inside the warning window, and a signing key left unrotated past its
 * scheduled rotation plus a grace period.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The audit event type of one warning; its `data.day` makes the watch idempotent per UTC day. */
export const EXPIRY_WARNING = 'security.key-expiry-warning';

/** Subject of the signing-key set in the audit trail (shared with the signing-key rotation). */
export const SIGNING_KEYS_SUBJECT = 'signing-keys';

/** One key the watch warns about. Ids only: never a secret, never key material. */
export interface KeyWarning {
  /** Audit subject: `apikey:<id>` or `signing-keys`. */
  readonly subject: string;
  readonly kind: 'api-key' | 'signing-key';
  /** The API key id, or the signing key's `kid`. */
  readonly keyId: string;
  /** API keys only: whose key it is, so an operator can reach them. */
  readonly ownerId: string | null;
  /** API keys: their expiry. Signing keys: the end of the grace after the missed rotation. */
  readonly deadline: string;
  /** Whole days from now to `deadline`, rounded down: negative once it is past. */
  readonly daysLeft: number;
}

/** The UTC calendar day of an instant, `YYYY-MM-DD`: the unit of "already warned today". */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function wholeDaysBetween(from: Date, to: number): number {
  return Math.floor((to - from.getTime()) / DAY_MS);
}

export interface ExpiringKey {
  readonly keyId: string;
  readonly ownerId: string;
  readonly expiresAt: string;
}

/**
 * Keys still valid now whose expiry is at most `withinDays` away: `now < expiresAt <= now +
 * window`. A key expiring exactly at the window's end is in; one already expired is not (it is no
 * longer "expiring", and the authenticator refuses it already).
 */
export function apiKeyWarnings(keys: readonly ExpiringKey[], now: Date, withinDays: number): KeyWarning[] {
  const end = now.getTime() + withinDays * DAY_MS;
  const warnings: KeyWarning[] = [];
  for (const key of keys) {
    const expiresAt = Date.parse(key.expiresAt);
    if (Number.isNaN(expiresAt) || expiresAt <= now.getTime() || expiresAt > end) continue;
    warnings.push({
      subject: `apikey:${key.keyId}`,
      kind: 'api-key',
      keyId: key.keyId,
      ownerId: key.ownerId,
      deadline: new Date(expiresAt).toISOString(),
      daysLeft: wholeDaysBetween(now, expiresAt),
    });
  }
  return warnings;
}

/** The signing-key facts the watch needs (from identity's key status). */
export interface SigningKeyFacts {
  /** `kid` of the key tokens are signed with now (`AWSCURRENT`); `null` when there is none. */
  readonly currentKid: string | null;
  /** When the current key is due to be replaced; `null` when no rotation is scheduled. */
  readonly nextRotationAt: string | null;
}

/**
 * A warning when the current signing key has outlived its scheduled rotation by the grace
 * period or more: the rotation job or schedule is not doing its work.
 */
export function signingKeyWarning(facts: SigningKeyFacts, now: Date, graceDays: number): KeyWarning | null {
  if (facts.currentKid === null || facts.nextRotationAt === null) return null;
  const due = Date.parse(facts.nextRotationAt);
  if (Number.isNaN(due)) return null;
  const deadline = due + graceDays * DAY_MS;
  if (now.getTime() < deadline) return null;
  return {
    subject: SIGNING_KEYS_SUBJECT,
    kind: 'signing-key',
    keyId: facts.currentKid,
    ownerId: null,
    deadline: new Date(deadline).toISOString(),
    daysLeft: wholeDaysBetween(now, deadline),
  };
}

/** Whether a subject's recent audit events already hold a warning for `day`. */
export function warnedOn(
  events: ReadonlyArray<{ readonly type: string; readonly data: Readonly<Record<string, unknown>> }>,
  day: string,
): boolean {
  return events.some((event) => event.type === EXPIRY_WARNING && event.data.day === day);
}

/** The one message a run sends to the alerts topic: a subject line and a plain-text body. */
export function summaryMessage(
  stage: string,
  warnings: readonly KeyWarning[],
): { subject: string; body: string } {
  const lines = warnings.map((w) =>
    w.kind === 'api-key'
      ? `- API key ${w.keyId} (owner ${w.ownerId ?? '?'}) expires ${w.deadline} (${w.daysLeft} days left)`
      : `- Signing key ${w.keyId} is overdue for rotation since ${w.deadline} (${-w.daysLeft} days past the grace period)`,
  );
  return {
    subject: `Nimbus ${stage}: ${warnings.length} key(s) expiring or overdue for rotation`,
    body: [
      `Nimbus ${stage} expiry watch: ${warnings.length} key(s) need attention.`,
      '',
      ...lines,
      '',
      'Each is in the audit trail as security.key-expiry-warning (GET /v1/audit?subject=apikey:<id>).',
    ].join('\n'),
  };
}
