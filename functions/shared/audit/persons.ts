/**
 * Who an audit event is about, told from its subject and actor: the event store seals what names
 * a person (`event-store.ts`), and the erasure workflow finds a person's trail with the same rules.
 */

/**
 * Subject kinds whose id names a person: a user id (`user:<id>`, `consent:<id>`), or the hash of
 * an email no account has (`email:<sha256>`, failed logins against unknown emails; erasure finds
 * them from the person's email). The last matters for enumeration too: a failed login against an
 * unknown email then costs the same key read as one against a known account.
 */
export const PERSONAL_SUBJECT_KINDS = ['user', 'consent', 'email'] as const;

/** What a shredded actor reads as. */
export const ERASED_ACTOR = 'erased';
/** What shredded event data reads as: the event is still there, its content is not. */
export const ERASED_DATA: Readonly<Record<string, unknown>> = Object.freeze({ erased: true });

// Actors that are no person: the platform itself, unauthenticated callers, AWS services.
// Kind-prefixed actors (`job:<name>`, `e2e:<name>`) are services too. Everything else is a user id
// (a user's own id, or an API key's owner): an unknown actor is sealed rather than left readable.
const SERVICE_ACTORS: ReadonlySet<string> = new Set(['system', 'anonymous', 'secretsmanager']);

/** Whether an actor names a person (a user id) whose identity is sealed at rest. */
export function isPersonActor(actor: string): boolean {
  return actor !== '' && !SERVICE_ACTORS.has(actor) && !actor.includes(':');
}

/** The person a subject names (`user:<id>` → `<id>`), or null for a subject that is no person. */
export function personOfSubject(subject: string): { kind: string; userId: string } | null {
  const colon = subject.indexOf(':');
  if (colon < 0) return null;
  const kind = subject.slice(0, colon);
  const userId = subject.slice(colon + 1);
  const personal = (PERSONAL_SUBJECT_KINDS as readonly string[]).includes(kind);
  return personal && userId !== '' ? { kind, userId } : null;
}

/** The stored partition of a personal subject: its kind and the person's pseudonym, never the id. */
export const personalPartition = (kind: string, pseudonym: string): string => `${kind}:~${pseudonym}`;
