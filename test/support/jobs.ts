import type { ApiKeyJobs, ExpiringApiKey, JobMetric, SigningKeyJobs } from '#functions/jobs/deps.ts';
import type { JobContext } from '#shared/scheduled.ts';

/** A scheduled run at `at`, as the EventBridge event would give it. */
export function jobContext(at: string, correlationId = 'event-1'): JobContext {
  return { now: new Date(at), correlationId };
}

/** Records every metric a job emits, in order. */
export function metricLog(): {
  readonly values: Array<{ name: JobMetric; value: number }>;
  readonly metric: (name: JobMetric, value: number) => void;
  of(name: JobMetric): number[];
} {
  const values: Array<{ name: JobMetric; value: number }> = [];
  return {
    values,
    metric: (name, value) => values.push({ name, value }),
    of: (name) => values.filter((v) => v.name === name).map((v) => v.value),
  };
}

/**
 * The keys feature's job port over a fixed list. Like a store queried by day, it answers a little
 * more than asked (a day of slack on each side), so the watch's own window decides.
 */
export function fakeApiKeyJobs(
  keys: readonly Omit<ExpiringApiKey, 'daysLeft'>[],
  behaviour: { rotateDue?: () => Promise<{ rotated: string[] }> } = {},
): ApiKeyJobs & { readonly asked: Array<{ now: Date; withinDays: number }> } {
  const asked: Array<{ now: Date; withinDays: number }> = [];
  const day = 24 * 3600 * 1000;
  return {
    asked,
    async findExpiring(now, withinDays) {
      asked.push({ now, withinDays });
      return keys
        .filter((k) => {
          const at = Date.parse(k.expiresAt);
          return at > now.getTime() - day && at <= now.getTime() + (withinDays + 1) * day;
        })
        .map((k) => ({ ...k, daysLeft: Math.floor((Date.parse(k.expiresAt) - now.getTime()) / day) }));
    },
    rotateDue: behaviour.rotateDue ?? (async () => ({ rotated: [] })),
  };
}

export function fakeSigningKeyJobs(
  status: { currentKid: string | null; nextRotationAt: string | null },
  behaviour: { rotateIfDue?: () => Promise<{ rotated: boolean; reason: string }> } = {},
): SigningKeyJobs {
  return {
    status: async () => status,
    rotateIfDue: behaviour.rotateIfDue ?? (async () => ({ rotated: false, reason: 'not due' })),
  };
}

/** Captures what Powertools (and anything else) writes to stdout and stderr while `work` runs. */
export async function captureOutput(work: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return chunks.join('');
}
