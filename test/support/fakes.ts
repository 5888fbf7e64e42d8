import {
  EmailTakenError,
  normaliseEmail,
  StaleWriteError,
  type User,
  type UserStore,
} from '#functions/auth/store/users.ts';
import type { AuditEvent, EventStore, NewAuditEvent } from '#shared/audit/event-store.ts';
import type { Principal } from '#shared/http/principal.ts';

/**
 * In-memory stand-ins for ports whose logic the unit tests exercise. They do what the real
 * adapters promise (the integration tests hold those to it) and record calls so a test can say
 * what was read or written.
 */

/** A clock a test moves by hand. */
export interface ManualClock {
  now(): Date;
  advance(ms: number): void;
}

export function manualClock(start = new Date('2026-01-01T12:00:00.000Z')): ManualClock {
  let ms = start.getTime();
  return {
    now: () => new Date(ms),
    advance: (by) => {
      ms += by;
    },
  };
}

/** Appends in memory with per-subject versions, as the DynamoDB store does. */
export function memoryEventStore(now: () => Date = () => new Date()): EventStore & {
  readonly appended: AuditEvent[];
} {
  const appended: AuditEvent[] = [];
  return {
    appended,
    async append(input: NewAuditEvent) {
      const version = appended.filter((e) => e.subject === input.subject).length + 1;
      const event: AuditEvent = {
        subject: input.subject,
        version,
        type: input.type,
        actor: input.actor,
        at: now().toISOString(),
        correlationId: input.correlationId ?? null,
        data: input.data ?? {},
        id: `event-${appended.length + 1}`,
      };
      appended.push(event);
      return event;
    },
    async list(subject, options = {}) {
      return appended
        .filter((e) => e.subject === subject && (options.before === undefined || e.version < options.before))
        .sort((a, b) => b.version - a.version)
        .slice(0, options.limit ?? 50);
    },
  };
}

/** A principal as the authorizer would describe a signed-in user; fields overridable. */
export function userPrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    id: 'user-1',
    kind: 'user',
    roles: ['developer'],
    permissions: ['deployments:read', 'deployments:write', 'keys:own', 'monitoring:read'],
    sessionId: 'session-1',
    orgId: 'org-1',
    ...overrides,
  };
}

/** The user store's contract in memory: emails unique case-insensitively, TOTP writes conditional. */
export function memoryUserStore(): UserStore & { readonly users: Map<string, User> } {
  const users = new Map<string, User>();
  return {
    users,
    async create(user) {
      const email = normaliseEmail(user.email);
      if ([...users.values()].some((u) => u.email === email)) throw new EmailTakenError();
      users.set(user.id, { ...user, email });
    },
    async get(id) {
      return users.get(id);
    },
    async findByEmail(email) {
      const wanted = normaliseEmail(email);
      return [...users.values()].find((u) => u.email === wanted);
    },
    async setRoles(id, roles) {
      const user = users.get(id);
      if (!user) return undefined;
      const next = { ...user, roles };
      users.set(id, next);
      return next;
    },
    async updateTotp(id, expected, next) {
      const user = users.get(id);
      if (!user || JSON.stringify(user.totp) !== JSON.stringify(expected))
        throw new StaleWriteError('second factor');
      users.set(id, { ...user, totp: next });
    },
  };
}
