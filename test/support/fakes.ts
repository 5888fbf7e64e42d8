import type {
  AttemptBudgetStore,
  BudgetName,
  BudgetState,
  Reservation,
} from '#functions/auth/store/attempt-budgets.ts';
import {
  GraceRefusedError,
  RefreshRaceError,
  type RefreshRecord,
  type Session,
  type SessionStore,
} from '#functions/auth/store/sessions.ts';
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
    authTime: null,
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
    async replacePasswordHash(id, expected, next) {
      const user = users.get(id);
      if (!user || user.passwordHash !== expected) throw new StaleWriteError('password');
      users.set(id, { ...user, passwordHash: next });
    },
    async setErasureLock(id, erasureId) {
      const user = users.get(id);
      if (!user) return false;
      users.set(id, { ...user, erasureLock: erasureId });
      return true;
    },
  };
}

/**
 * The attempt-budget store's contract in memory: a reservation counts unless locked or full, a
 * lock applies only if the count is still the one observed, a success clears both counters.
 * `unavailable` makes every call throw, as a table that does not answer would.
 */
export function memoryAttemptBudgetStore(): AttemptBudgetStore & {
  readonly states: Map<string, BudgetState>;
  unavailable: boolean;
} {
  const states = new Map<string, BudgetState>();
  const empty: BudgetState = { failures: 0, lockedUntil: null, lockouts: 0 };
  const key = (userId: string, budget: string) => `${userId}/${budget}`;
  const store = {
    states,
    unavailable: false,
    async reserve(
      userId: string,
      budget: BudgetName,
      limit: number,
      nowSeconds: number,
    ): Promise<Reservation> {
      if (store.unavailable) throw new Error('table unavailable');
      const state = states.get(key(userId, budget)) ?? empty;
      const locked = state.lockedUntil !== null && state.lockedUntil > nowSeconds;
      if (locked || state.failures >= limit) return { granted: false, state };
      const next = { ...state, failures: state.failures + 1 };
      states.set(key(userId, budget), next);
      return { granted: true, state: next };
    },
    async lock(userId: string, budget: BudgetName, observedFailures: number, lockedUntil: number) {
      if (store.unavailable) throw new Error('table unavailable');
      const state = states.get(key(userId, budget)) ?? empty;
      if (state.failures !== observedFailures) return false;
      states.set(key(userId, budget), { failures: 0, lockedUntil, lockouts: state.lockouts + 1 });
      return true;
    },
    async clear(userId: string, budget: BudgetName) {
      if (store.unavailable) throw new Error('table unavailable');
      states.set(key(userId, budget), empty);
    },
  };
  return store;
}

/**
 * The session store's contract in memory. Each write checks its conditions and applies its changes
 * with no await in between, so it is as atomic as the DynamoDB transactions it stands for.
 */
export function memorySessionStore(): SessionStore & {
  readonly sessions: Map<string, Session>;
  readonly refresh: Map<string, RefreshRecord>;
} {
  const sessions = new Map<string, Session>();
  const refresh = new Map<string, RefreshRecord>();
  const key = (userId: string, sessionId: string) => `${userId}/${sessionId}`;
  const live = (token: RefreshRecord) => sessions.get(key(token.userId, token.sessionId))?.revokedAt === null;
  const touch = (token: RefreshRecord, at: string) => {
    const k = key(token.userId, token.sessionId);
    const session = sessions.get(k);
    if (session) sessions.set(k, { ...session, lastUsedAt: at });
  };
  return {
    sessions,
    refresh,
    async create(session, first) {
      sessions.set(key(session.userId, session.sessionId), session);
      refresh.set(first.tokenHash, first);
    },
    async get(userId, sessionId) {
      return sessions.get(key(userId, sessionId));
    },
    async list(userId) {
      return [...sessions.values()].filter((s) => s.userId === userId);
    },
    async revoke(userId, sessionId, reason, at) {
      const session = sessions.get(key(userId, sessionId));
      if (!session) return false;
      if (session.revokedAt === null)
        sessions.set(key(userId, sessionId), { ...session, revokedAt: at, revokedReason: reason });
      return true;
    },
    async getRefresh(tokenHash) {
      return refresh.get(tokenHash);
    },
    async rotate(old, next, nonce, at) {
      const current = refresh.get(old.tokenHash);
      if (current?.status !== 'active' || refresh.has(next.tokenHash) || !live(old))
        throw new RefreshRaceError();
      refresh.set(old.tokenHash, {
        ...current,
        status: 'rotated',
        rotatedAt: next.issuedAt,
        successorNonce: nonce,
        successorHash: next.tokenHash,
      });
      refresh.set(next.tokenHash, next);
      touch(old, at);
    },
    async useGrace(old, atSeconds, at) {
      const current = refresh.get(old.tokenHash);
      const successor = old.successorHash === null ? undefined : refresh.get(old.successorHash);
      if (
        current?.status !== 'rotated' ||
        current.successorHash !== old.successorHash ||
        current.graceUsedAt !== null ||
        successor?.status !== 'active' ||
        !live(old)
      )
        throw new GraceRefusedError();
      refresh.set(old.tokenHash, { ...current, graceUsedAt: atSeconds });
      touch(old, at);
    },
  };
}
