/**
 * The Lambda logs the local stack captured, for tests that must prove what did not reach a log
 * (the GDPR erasure e2e test scans them for a person's email, IP, name and id).
 *
 * ministack runs each function as a host `node` worker and writes its stdout/stderr (START/END
 * lines and every Powertools JSON line) as CloudWatch Logs events into the function's log group
 * (FeatureFunction gives every function its own: `/aws/cloudformation/<stack>/<id>Logs…` on the
 * emulator). They are read back through the CloudWatch Logs API on the emulator endpoint
 * (`DescribeLogGroups`, `FilterLogEvents`, AWS JSON 1.1 protocol). No
 * `@aws-sdk/client-cloudwatch-logs` is installed, and the emulator does not check signatures, so
 * this speaks the protocol with `fetch`: local stack only.
 */

export interface CapturedLogEvent {
  readonly group: string;
  readonly stream: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly message: string;
}

export interface CapturedLogOptions {
  /** Only events at or after this epoch-ms time (a test's start). */
  readonly since: number;
  /** Only log groups whose name starts with this. @default every group */
  readonly groupPrefix?: string;
  /** @default AWS_ENDPOINT_URL, else http://127.0.0.1:4566 */
  readonly endpoint?: string;
}

const endpointOf = (options: CapturedLogOptions) =>
  (options.endpoint ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566').replace(/\/$/, '');

async function logsCall<T>(endpoint: string, action: string, body: Record<string, unknown>): Promise<T> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `Logs_20140328.${action}`,
      // Names the service and region for the emulator's routing; not a signature.
      Authorization: `AWS4-HMAC-SHA256 Credential=test/20000101/${region}/logs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`CloudWatch Logs ${action} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Every log group on the emulator (optionally under a prefix). */
export async function logGroups(options: Omit<CapturedLogOptions, 'since'> = {}): Promise<string[]> {
  const endpoint = endpointOf({ ...options, since: 0 });
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logsCall<{ logGroups?: { logGroupName: string }[]; nextToken?: string }>(
      endpoint,
      'DescribeLogGroups',
      {
        ...(options.groupPrefix === undefined ? {} : { logGroupNamePrefix: options.groupPrefix }),
        ...(nextToken === undefined ? {} : { nextToken }),
      },
    );
    names.push(...(page.logGroups ?? []).map((group) => group.logGroupName));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return names;
}

/** Every event captured since `options.since`, in every (matching) group, oldest first. */
export async function capturedLambdaLogs(options: CapturedLogOptions): Promise<CapturedLogEvent[]> {
  const endpoint = endpointOf(options);
  const events: CapturedLogEvent[] = [];
  for (const group of await logGroups(options)) {
    let nextToken: string | undefined;
    do {
      const page = await logsCall<{
        events?: { timestamp: number; message: string; logStreamName: string }[];
        nextToken?: string;
      }>(endpoint, 'FilterLogEvents', {
        logGroupName: group,
        startTime: options.since,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      for (const event of page.events ?? []) {
        events.push({
          group,
          stream: event.logStreamName,
          timestamp: event.timestamp,
          message: event.message,
        });
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

export interface LogLeak {
  readonly needle: string;
  readonly event: CapturedLogEvent;
}

/**
 * The captured events since `options.since` that contain any of `needles` (compared without case:
 * an email logged in capitals is still a leak). Empty means no log line holds any of them.
 */
export async function findInCapturedLogs(
  needles: readonly string[],
  options: CapturedLogOptions,
): Promise<LogLeak[]> {
  const wanted = needles.filter((needle) => needle !== '');
  const leaks: LogLeak[] = [];
  for (const event of await capturedLambdaLogs(options)) {
    const message = event.message.toLowerCase();
    for (const needle of wanted) if (message.includes(needle.toLowerCase())) leaks.push({ needle, event });
  }
  return leaks;
}
