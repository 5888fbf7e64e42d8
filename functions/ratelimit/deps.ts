import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { inspect, reset } from '#shared/ratelimit/limiter.ts';
import type { ScopeName } from '#shared/ratelimit/scopes.ts';

/** The limiter as the admin use cases see it (Redis behind it, with the in-memory fallback). */
export interface LimitState {
  readonly limit: number;
  readonly remaining: number;
  /** Epoch ms when the window resets; 0 when nothing was counted yet. */
  readonly reset: number;
}

export interface Limits {
  inspect(scope: ScopeName, identifier: string): Promise<LimitState>;
  reset(scope: ScopeName, identifier: string): Promise<void>;
}

export interface RateLimitAdminDeps {
  readonly limits: Limits;
  readonly now: () => Date;
}

/** Resetting is audited: it also appends to the event store. */
export interface RateLimitResetDeps extends RateLimitAdminDeps {
  readonly events: Pick<EventStore, 'append'>;
}

const limits: Limits = { inspect, reset };

export function rateLimitAdminDeps(): RateLimitAdminDeps {
  return { limits, now: () => new Date() };
}

export function rateLimitResetDeps(): RateLimitResetDeps {
  return { ...rateLimitAdminDeps(), events: dynamoEventStore(boundResource('eventsTable')) };
}
