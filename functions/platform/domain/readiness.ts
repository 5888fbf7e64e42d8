/** A dependency probe: resolves when the dependency answered, rejects otherwise. */
export interface Probe {
  readonly name: string;
  readonly run: (signal: AbortSignal) => Promise<unknown>;
}

export interface CheckResult {
  readonly status: 'ok' | 'fail';
  readonly latencyMs: number;
  /** Short, safe to show a client: `timeout` or the error's name. */
  readonly error?: string;
  /** Full message, for the logs only. */
  readonly cause?: string;
}

export interface Readiness {
  readonly status: 'ok' | 'fail';
  readonly checks: Readonly<Record<string, CheckResult>>;
  readonly failing: readonly string[];
}

/** Runs every probe in parallel, each bounded by `timeoutMs`; never throws. */
export async function checkReadiness(probes: readonly Probe[], timeoutMs: number): Promise<Readiness> {
  const results = await Promise.all(
    probes.map(async (probe): Promise<[string, CheckResult]> => {
      const started = performance.now();
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe.run(controller.signal),
          new Promise((_, reject) => {
            timer = setTimeout(() => {
              controller.abort();
              reject(new Error(`no answer within ${timeoutMs} ms`));
            }, timeoutMs);
          }),
        ]);
        return [probe.name, { status: 'ok', latencyMs: Math.round(performance.now() - started) }];
      } catch (error) {
        const timedOut = controller.signal.aborted;
        return [
          probe.name,
          {
            status: 'fail',
            latencyMs: Math.round(performance.now() - started),
            error: timedOut ? 'timeout' : error instanceof Error ? error.name : 'error',
            cause: error instanceof Error ? error.message : String(error),
          },
        ];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failing = results.filter(([, r]) => r.status === 'fail').map(([name]) => name);
  return { status: failing.length === 0 ? 'ok' : 'fail', checks: Object.fromEntries(results), failing };
}
