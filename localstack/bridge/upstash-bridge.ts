/**
 * Upstash-REST-compatible HTTP bridge in front of a plain redis-server, so the real `@upstash/redis`
 * and `@upstash/ratelimit` clients can run locally. Protocol as spoken by `@upstash/redis` (http.ts):
 *
 *   POST /            body ["cmd", ...args]          -> 200 {result} | 400 {error}
 *   POST /pipeline    body [["cmd", ...], ...]       -> 200 [{result} | {error}, ...]
 *   POST /multi-exec  same body, run in MULTI/EXEC   -> 200 [{result} | {error}, ...] | 400 {error}
 *   GET  /, /health   unauthenticated liveness       -> 200 {result: "OK"} | 503 {error}
 *
 * Auth is `Authorization: Bearer <token>` (or `?_token=`). With `Upstash-Encoding: base64` every string
 * in a result is base64-encoded (integers and nulls are not); see encodeReply for the one exception.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

export interface BridgeOptions {
  /** 0 picks an ephemeral port. */
  port: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  redisUrl: string;
  token: string;
  /** Receives Redis connection state changes (lost / restored). Silent by default. */
  log?: (message: string) => void;
}

export interface Bridge {
  /** Base URL to hand to `new Redis({ url, token })`, e.g. http://127.0.0.1:8079 */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const REDIS_CONNECT_TIMEOUT_MS = 2_000;
// Guards against a Redis that accepts TCP but never answers (e.g. SIGSTOPped), so requests cannot hang.
const REDIS_COMMAND_TIMEOUT_MS = 10_000;
const STARTUP_WAIT_MS = 3_000;

/**
 * All HTTP requests share one Redis connection, so anything that changes connection state or blocks
 * the connection would leak into (or stall) every other request. Upstash rejects most of these too.
 */
const REJECTED_COMMANDS = new Set([
  'auth',
  'hello',
  'select',
  'quit',
  'reset',
  'client',
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'monitor',
  'sync',
  'psync',
  'replconf',
  'shutdown',
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'wait',
  'waitaof',
]);

type Command = {
  name: string;
  args: string[];
  /** Post-processes the raw reply before encoding (used to hide script rewriting from the client). */
  mapReply?: (reply: unknown) => unknown;
};
type JsonReply = string | number | null | JsonReply[];
type ItemReply = { result: JsonReply } | { error: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Redis answered with an error reply (as opposed to the connection failing). */
function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

function unavailable(err: unknown): HttpError {
  const reason = err instanceof Error ? err.message : String(err);
  return new HttpError(503, `ERR redis unavailable: ${reason}`);
}

function parseCommand(value: unknown, where: string): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, `ERR ${where} must be a non-empty JSON array like ["SET","key","value"]`);
  }
  const [head, ...rest] = value;
  if (typeof head !== 'string' || head.length === 0) {
    throw new HttpError(400, `ERR ${where}: command name must be a non-empty string`);
  }
  const name = head.toLowerCase();
  if (REJECTED_COMMANDS.has(name) || (name.startsWith('xread') && hasBlockOption(rest))) {
    throw new HttpError(400, `ERR command '${head}' is not supported by the bridge`);
  }
  const args = rest.map((arg: unknown, i) => {
    // The client sends numbers and booleans unquoted (its serializer keeps them as-is).
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
    throw new HttpError(400, `ERR ${where}: argument ${i + 1} must be a string, number or boolean`);
  });
  // ioredis rewrites some replies (e.g. HGETALL into an object) via transformers keyed by the
  // lowercase command name; Redis itself is case-insensitive, so upper case gets the raw reply.
  return adaptScripts({ name: name.toUpperCase(), args });
}

/**
 * Shebang flags only Upstash understands. @upstash/ratelimit >= 2.1 starts every script with
 * `#!lua flags=allow-key-locking` (lock only the declared KEYS instead of the whole database), which
 * stock Redis rejects with "Unexpected flag in script shebang". Dropping it is safe: Redis runs every
 * script under its global lock anyway, so atomicity is unchanged.
 */
const UPSTASH_ONLY_SCRIPT_FLAGS = new Set(['allow-key-locking']);

/**
 * SHA1 of a script as the client sent it -> SHA1 of the rewritten script Redis actually cached.
 * Clients compute EVALSHA hashes from their own text (createScript, ratelimit), so without this
 * every EVALSHA of a rewritten script would miss and fall back to a full EVAL. The mapping is a pure
 * function of the script text, so sharing it across bridge instances is harmless.
 */
const scriptShaAliases = new Map<string, string>();
const MAX_SCRIPT_ALIASES = 10_000;

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function stripUpstashScriptFlags(script: string): string {
  if (!script.startsWith('#!lua')) return script;
  const lineEnd = script.indexOf('\n');
  const firstLine = lineEnd === -1 ? script : script.slice(0, lineEnd);
  const [interpreter, ...options] = firstLine.split(/\s+/).filter(Boolean);
  if (interpreter !== '#!lua') return script;
  let changed = false;
  const kept = options.flatMap((option) => {
    if (!option.startsWith('flags=')) return [option];
    const flags = option.slice('flags='.length).split(',');
    const remaining = flags.filter((flag) => !UPSTASH_ONLY_SCRIPT_FLAGS.has(flag));
    if (remaining.length === flags.length) return [option];
    changed = true;
    return remaining.length > 0 ? [`flags=${remaining.join(',')}`] : [];
  });
  if (!changed) return script;
  const rest = lineEnd === -1 ? '' : script.slice(lineEnd);
  return ['#!lua', ...kept].join(' ') + rest;
}

/** Rewrites the script text for EVAL / SCRIPT LOAD, and maps client hashes for EVALSHA / SCRIPT EXISTS. */
function adaptScripts(cmd: Command): Command {
  const [first = '', ...tail] = cmd.args;
  const rewrite = (script: string): string => {
    const stripped = stripUpstashScriptFlags(script);
    if (stripped !== script) {
      if (scriptShaAliases.size >= MAX_SCRIPT_ALIASES) scriptShaAliases.clear();
      scriptShaAliases.set(sha1(script), sha1(stripped));
    }
    return stripped;
  };
  const alias = (sha: string): string => scriptShaAliases.get(sha.toLowerCase()) ?? sha;

  switch (cmd.name) {
    case 'EVAL':
    case 'EVAL_RO':
      return { ...cmd, args: [rewrite(first), ...tail] };
    case 'EVALSHA':
    case 'EVALSHA_RO':
      return { ...cmd, args: [alias(first), ...tail] };
    case 'SCRIPT': {
      const sub = first.toUpperCase();
      if (sub === 'LOAD' && tail[0] !== undefined) {
        const original = tail[0];
        const stripped = rewrite(original);
        if (stripped === original) return cmd;
        // Hand back the hash of the text the client sent, which is what it will EVALSHA with.
        const clientSha = Buffer.from(sha1(original));
        return { ...cmd, args: [first, stripped], mapReply: () => clientSha };
      }
      if (sub === 'EXISTS') return { ...cmd, args: [first, ...tail.map(alias)] };
      return cmd;
    }
    default:
      return cmd;
  }
}

/** XREAD/XREADGROUP only block when BLOCK appears before STREAMS (after it come keys and ids). */
function hasBlockOption(args: unknown[]): boolean {
  for (const arg of args) {
    if (typeof arg !== 'string') continue;
    const upper = arg.toUpperCase();
    if (upper === 'STREAMS') return false;
    if (upper === 'BLOCK') return true;
  }
  return false;
}

function parseCommandList(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, 'ERR body must be a non-empty JSON array of command arrays');
  }
  return value.map((cmd, i) => parseCommand(cmd, `command ${i + 1}`));
}

function replyToJson(cmd: Command, reply: unknown, base64: boolean): JsonReply {
  return encodeReply(cmd.mapReply ? cmd.mapReply(reply) : reply, base64, true);
}

/**
 * Converts an ioredis reply (Buffers, numbers, nulls, nested arrays, nested Errors from Lua) to JSON.
 * In base64 mode every string is encoded except a top-level "OK", which the client's `decode` passes
 * through untouched (as Upstash sends status replies); inside arrays it would be atob()'d, so there it
 * is encoded like any other string. Encoding is not optional: the client runs atob() on every string,
 * so a plain "PONG" would decode into garbage. Integers and nulls stay JSON numbers / null.
 */
function encodeReply(value: unknown, base64: boolean, topLevel: boolean): JsonReply {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((v) => encodeReply(v, base64, false));
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) bytes = value;
  else if (value instanceof Error) bytes = Buffer.from(value.message);
  else bytes = Buffer.from(String(value));
  if (!base64) return bytes.toString('utf8');
  if (topLevel && bytes.length === 2 && bytes.toString('latin1') === 'OK') return 'OK';
  return bytes.toString('base64');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      reject(new HttpError(413, `ERR request body exceeds ${MAX_BODY_BYTES} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        chunks.length = 0;
        reject(new HttpError(413, `ERR request body exceeds ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      failed = true;
      reject(err);
    });
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'ERR request body is not valid JSON');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const expectedToken = digest(opts.token);
  let syncToken = 0;

  const redis = new Redis(opts.redisUrl, {
    // Upstash answers in RESP2 shapes (flat HGETALL arrays, scores as strings); ioredis 6 defaults to 3.
    protocol: 2,
    connectionName: 'upstash-bridge',
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    // Fail fast while disconnected instead of queueing, and never replay a command that may already
    // have run (in-flight commands are rejected when the connection drops).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });

  let degraded = false;
  redis.on('error', (err: Error) => {
    if (!degraded) log(`redis unavailable: ${err.message}`);
    degraded = true;
  });
  redis.on('ready', () => {
    if (degraded) log('redis connection restored');
    degraded = false;
  });

  // Give the first connection a moment so early requests don't fail spuriously; if Redis is down we
  // still start and answer 503 until it comes up.
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, STARTUP_WAIT_MS);
    redis.once('ready', done);
    redis.once('error', done);
  });

  function authorized(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const presented = match?.[1] ?? url.searchParams.get('_token');
    // Hash first so the comparison is constant-time regardless of token length.
    return presented != null && timingSafeEqual(digest(presented), expectedToken);
  }

  function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
    if (res.headersSent) return;
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      // Single Redis node: every read already sees every earlier write, so any fresh token satisfies
      // the client's read-your-writes bookkeeping.
      'upstash-sync-token': String(++syncToken),
      ...extra,
    });
    res.end(payload);
  }

  async function runSingle(cmd: Command, base64: boolean): Promise<{ status: number; body: unknown }> {
    try {
      const reply = await redis.callBuffer(cmd.name, ...cmd.args);
      return { status: 200, body: { result: replyToJson(cmd, reply, base64) } };
    } catch (err) {
      if (isReplyError(err)) return { status: 400, body: { error: err.message } };
      throw unavailable(err);
    }
  }

  async function runPipeline(cmds: Command[], base64: boolean): Promise<ItemReply[]> {
    // Issued back-to-back on one connection, so Redis executes them in order (not atomically).
    const settled = await Promise.allSettled(cmds.map((c) => redis.callBuffer(c.name, ...c.args)));
    return settled.map((s, i) => {
      if (s.status === 'fulfilled') return { result: replyToJson(cmds[i]!, s.value, base64) };
      if (isReplyError(s.reason)) return { error: s.reason.message };
      // Partial results are worthless to the caller if the connection broke midway.
      throw unavailable(s.reason);
    });
  }

  async function runTransaction(cmds: Command[], base64: boolean): Promise<ItemReply[]> {
    const tx = redis.multi();
    for (const c of cmds) tx.callBuffer(c.name, ...c.args);
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await tx.exec();
    } catch (err) {
      if (!isReplyError(err)) throw unavailable(err);
      // EXECABORT on its own says nothing useful; surface the queue-time error that caused it.
      const causes = (err as Error & { previousErrors?: Error[] }).previousErrors ?? [];
      const detail = causes.map((e) => e.message).join('; ');
      throw new HttpError(400, detail ? `${err.message} ${detail}` : err.message);
    }
    if (replies === null) throw new HttpError(400, 'EXECABORT transaction aborted');
    return replies.map(([err, value], i) => {
      if (!err) return { result: replyToJson(cmds[i]!, value, base64) };
      if (isReplyError(err)) return { error: err.message };
      throw unavailable(err);
    });
  }

  async function health(res: ServerResponse) {
    try {
      await redis.ping();
      send(res, 200, { result: 'OK' });
    } catch (err) {
      send(res, 503, { error: unavailable(err).message });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bridge');
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/' || path === '/health') return health(res);
      return send(res, 404, { error: 'ERR not found' });
    }
    if (req.method !== 'POST') {
      return send(
        res,
        405,
        { error: 'ERR method not allowed, POST a JSON command array' },
        { allow: 'GET, POST' },
      );
    }
    if (path !== '/' && path !== '/pipeline' && path !== '/multi-exec') {
      return send(res, 404, { error: `ERR unknown endpoint ${path}; use /, /pipeline or /multi-exec` });
    }
    if (!authorized(req, url)) return send(res, 401, { error: 'Unauthorized' });

    const payload = parseJson(await readBody(req));
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';

    if (path === '/') {
      const { status, body } = await runSingle(parseCommand(payload, 'body'), base64);
      return send(res, status, body);
    }
    const cmds = parseCommandList(payload);
    const items = path === '/pipeline' ? await runPipeline(cmds, base64) : await runTransaction(cmds, base64);
    return send(res, 200, items);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        // After an oversized body, stop reading it: close the connection rather than drain megabytes.
        send(res, err.status, { error: err.message }, err.status === 413 ? { connection: 'close' } : {});
      } else if (!res.headersSent) {
        send(res, 500, {
          error: `ERR bridge internal error: ${err instanceof Error ? err.message : String(err)}`,
        });
      } else {
        res.destroy();
      }
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      redis.disconnect();
    },
  };
}
