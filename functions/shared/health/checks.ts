/** Facts a probe read from its dependency, safe to show a client (a queue's depth, a machine's status). */
export type ProbeFacts = Readonly<Record<string, string | number | boolean>>;

/**
 * What a probe resolves with when the answer says more than "it answered": its facts, and a
 * warning when the dependency answered but is not well (a dead-letter queue holding messages).
 */
export class ProbeReport {
  constructor(
    readonly facts: ProbeFacts,
    /** Short, safe to show: why the dependency is degraded although it answered. */
    readonly warning?: string,
  ) {}
}

/** A dependency probe: resolves when the dependency answered, rejects otherwise. */
export interface Probe {
  readonly name: string;
  /** Resolves with anything (or a `ProbeReport`) when the dependency answered. */
  readonly run: (signal: AbortSignal) => Promise<unknown>;
  /**
   * Whether the service works without the dependency: a required one that fails takes it down,
   * an optional one (with a fallback, or behind asynchronous work) only degrades it.
   * @default true
   */
  readonly required?: boolean;
}

export interface CheckResult {
  /** `degraded`: it answered, but slowly (`slowMs`) or with a warning from its report. */
  readonly status: 'ok' | 'degraded' | 'fail';
  readonly latencyMs: number;
  readonly required: boolean;
  /** Short, safe to show a client: `timeout`, `slow`, the report's warning or the error's name. */
  readonly error?: string;
  /** Full message, for the logs only. */
  readonly cause?: string;
  readonly facts?: ProbeFacts;
}

export interface Readiness {
  readonly status: 'ok' | 'fail';
  readonly checks: Readonly<Record<string, CheckResult>>;
  readonly failing: readonly string[];
}

export interface CheckOptions {
  /** A probe that answers after this long is `degraded` (`slow`). @default never */
  readonly slowMs?: number;
}

/** Runs one probe bounded by `timeoutMs`; never throws. */
async function runProbe(probe: Probe, timeoutMs: number, options: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const required = probe.required ?? true;
  const elapsed = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      probe.run(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    const latencyMs = elapsed();
    const report = answer instanceof ProbeReport ? answer : undefined;
    const facts = report === undefined ? {} : { facts: report.facts };
    if (report?.warning !== undefined) {
      return { status: 'degraded', latencyMs, required, error: report.warning, ...facts };
    }
    if (options.slowMs !== undefined && latencyMs > options.slowMs) {
      return { status: 'degraded', latencyMs, required, error: 'slow', ...facts };
    }
    return { status: 'ok', latencyMs, required, ...facts };
  } catch (error) {
    const timedOut = controller.signal.aborted;
    return {
      status: 'fail',
      latencyMs: elapsed(),
      required,
      error: timedOut ? 'timeout' : error instanceof Error ? error.name : 'error',
      cause: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every probe in parallel, each bounded by `timeoutMs`; never throws. */
export async function runChecks(
  probes: readonly Probe[],
  timeoutMs: number,
  options: CheckOptions = {},
): Promise<Readonly<Record<string, CheckResult>>> {
  const results = await Promise.all(
    probes.map(async (probe) => [probe.name, await runProbe(probe, timeoutMs, options)] as const),
  );
  return Object.fromEntries(results);
}

/** Readiness: every probe answered in time (a degraded answer is still an answer). */
export async function checkReadiness(probes: readonly Probe[], timeoutMs: number): Promise<Readiness> {
  const checks = await runChecks(probes, timeoutMs);
  const failing = Object.entries(checks)
    .filter(([, r]) => r.status === 'fail')
    .map(([name]) => name);
  return { status: failing.length === 0 ? 'ok' : 'fail', checks, failing };
}

/** What a client may see of a check: everything but the cause, which is for the logs. */
export function publicChecks(checks: Readonly<Record<string, CheckResult>>) {
  return Object.fromEntries(Object.entries(checks).map(([name, { cause: _cause, ...rest }]) => [name, rest]));
}
