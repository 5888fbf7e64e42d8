/**
 * Named rate-limit scopes with the seeds' defaults. A stage overrides any field through
 * `rateLimits` in its config (JSON in NIMBUS_RATE_LIMITS); the route table names the scopes each
 * route passes through.
 */
/** Every counter's key starts with this, then the scope: `nimbus:rl:<scope>:<identifier>[:<window>]`. */
export const RATE_LIMIT_PREFIX = 'nimbus:rl:';

export type Algorithm = 'slidingWindow' | 'tokenBucket' | 'fixedWindow';
export type Duration = `${number} ${'s' | 'm' | 'h'}`;

export interface ScopeSpec {
  readonly algorithm: Algorithm;
  /** Requests per window (for the token bucket: bucket size and refill per window). */
  readonly limit: number;
  readonly window: Duration;
  /**
   * When Redis cannot decide in time: `open` allows, `closed` refuses (503), `local` keeps
   * limiting with an in-memory limiter per container until Redis answers again.
   */
  readonly fail: 'open' | 'closed' | 'local';
  /**
   * What identifies the caller: source IP, IP + the account named in the body, that account
   * whatever the IP, or the principal.
   */
  readonly key: 'ip' | 'ip+account' | 'account' | 'principal';
  /**
   * Forget the identifier's count after a successful request: for login, only consecutive
   * failures count, yet every attempt is counted atomically (parallel guesses cannot slip through).
   */
  readonly resetOnSuccess?: boolean;
  /**
   * Asked only once every other scope of the route has admitted the request, so a request another
   * scope refuses never spends this budget. The per-account login budget needs it: otherwise one
   * IP hammering past its own (IP, account) block would still drain the account's budget and lock
   * the owner out from everywhere. Costs a second Redis round trip on the routes that use it.
   */
  readonly onlyAdmitted?: boolean;
}

export const SCOPES = {
  /** 5 attempts per 15 minutes per IP + account; a success resets; fails closed. */
  auth_login: {
    algorithm: 'slidingWindow',
    limit: 5,
    window: '15 m',
    fail: 'closed',
    key: 'ip+account',
    resetOnSuccess: true,
  },
  /**
   * One account from every IP (distributed guessing): 20 attempts an hour, asked only when the
   * (IP, account) pair and the IP admitted the attempt, so each IP adds at most 5 per 15 minutes.
   * It slows where the pair blocks: a larger budget over a longer window, reset by a successful
   * login, so it only bites (and locks the owner out too) when guesses come from 4 IPs or more.
   */
  auth_login_account: {
    algorithm: 'slidingWindow',
    limit: 20,
    window: '1 h',
    fail: 'closed',
    key: 'account',
    resetOnSuccess: true,
    onlyAdmitted: true,
  },
  /**
   * One IP across accounts (password spraying): 30 attempts per 15 minutes, successes included, so
   * logging into an account of one's own does not buy more guesses elsewhere.
   */
  auth_login_ip: { algorithm: 'slidingWindow', limit: 30, window: '15 m', fail: 'closed', key: 'ip' },
  /** Account creation per source IP. */
  auth_register: { algorithm: 'slidingWindow', limit: 10, window: '1 h', fail: 'closed', key: 'ip' },
  /** Everyday authenticated traffic: 100 per minute per principal, bursts allowed. */
  api_general: { algorithm: 'tokenBucket', limit: 100, window: '1 m', fail: 'local', key: 'principal' },
  /** Exports, deployments: 10 per hour per principal. */
  api_expensive: { algorithm: 'fixedWindow', limit: 10, window: '1 h', fail: 'local', key: 'principal' },
  /** Every request: 1000 per minute per source IP. */
  global: { algorithm: 'slidingWindow', limit: 1000, window: '1 m', fail: 'local', key: 'ip' },
} as const satisfies Record<string, ScopeSpec>;

export type ScopeName = keyof typeof SCOPES;

export function isScope(name: string): name is ScopeName {
  return Object.hasOwn(SCOPES, name);
}

export function windowMs(window: Duration): number {
  const [amount, unit] = window.split(' ') as [string, 's' | 'm' | 'h'];
  return Number(amount) * { s: 1000, m: 60_000, h: 3_600_000 }[unit];
}

const ALGORITHMS: readonly Algorithm[] = ['slidingWindow', 'tokenBucket', 'fixedWindow'];

/** Defaults merged with a stage's overrides; throws at init on anything invalid. */
export function resolveScopes(raw: string | undefined): Readonly<Record<ScopeName, ScopeSpec>> {
  const overrides = (raw ? JSON.parse(raw) : {}) as Record<string, Partial<ScopeSpec>>;
  for (const name of Object.keys(overrides)) {
    if (!isScope(name)) throw new Error(`NIMBUS_RATE_LIMITS: unknown scope ${name}`);
  }
  const out = {} as Record<ScopeName, ScopeSpec>;
  for (const name of Object.keys(SCOPES) as ScopeName[]) {
    const spec: ScopeSpec = { ...SCOPES[name], ...overrides[name] };
    if (!Number.isInteger(spec.limit) || spec.limit < 1)
      throw new Error(`NIMBUS_RATE_LIMITS: bad limit for ${name}`);
    if (!/^\d+ [smh]$/.test(spec.window)) throw new Error(`NIMBUS_RATE_LIMITS: bad window for ${name}`);
    if (!ALGORITHMS.includes(spec.algorithm))
      throw new Error(`NIMBUS_RATE_LIMITS: bad algorithm for ${name}`);
    if (!['open', 'closed', 'local'].includes(spec.fail))
      throw new Error(`NIMBUS_RATE_LIMITS: bad fail for ${name}`);
    if (!['ip', 'ip+account', 'account', 'principal'].includes(spec.key))
      throw new Error(`NIMBUS_RATE_LIMITS: bad key for ${name}`);
    out[name] = spec;
  }
  return out;
}
