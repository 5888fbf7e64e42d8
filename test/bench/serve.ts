/**
 * Child process of the benchmarks, one server each (so that the load generator, the Upstash bridge
 * and the function under load do not share an event loop):
 *
 *   bridge  the Upstash REST bridge (localstack/bridge) in front of BENCH_REDIS_URL
 *   nimbus  an authenticated, rate-limited GET built with httpHandler, behind a node:http adapter
 *           that verifies the Bearer JWT as the authorizer does and hands the pipeline an
 *           API Gateway event (BENCH_RATE_LIMITED=false: the same GET without rate limiting)
 *   bare    node:http answering 200 "ok": the ceiling of this machine
 *
 * Started by `startServer` (processes.ts): answers `{ url }` over IPC when listening, `{ stats }`
 * to `'stats'`, and closes and exits on `'stop'`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { JWK } from 'jose';
import { startBridge } from '../../localstack/bridge/upstash-bridge.ts';
import { lambdaContext, restEvent } from '../support/apigw.ts';
import type { ServerMessage, ServerStats } from './processes.ts';
import {
  BENCH_SOURCE_IP,
  benchImpl,
  benchLimitedRoute,
  benchRoute,
  countFetches,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
} from './support.ts';

const send = (message: ServerMessage): void => {
  process.send?.(message);
};

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function reply(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}

/** API Gateway REST's view of a node:http request, with the authorizer's context when it allowed it. */
function toEvent(req: IncomingMessage, authorizer: Record<string, string> | undefined): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://bench');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = Object.fromEntries(url.searchParams);
  const event = restEvent({
    method: req.method ?? 'GET',
    path: url.pathname,
    resource: benchLimitedRoute.path,
    headers,
    query,
    ...(authorizer ? { authorizer } : {}),
  });
  if (event.requestContext.identity) event.requestContext.identity.sourceIp = BENCH_SOURCE_IP;
  return event;
}

async function nimbusServer(): Promise<{ server: Server; stats: () => ServerStats }> {
  const bridgeUrl = process.env.UPSTASH_REDIS_REST_URL ?? '';
  const fetches = countFetches(bridgeUrl);
  const { createTokenVerifier } = await import('#functions/auth/domain/jwt.ts');
  const { httpHandler } = await import('#shared/http/pipeline.ts');
  const jwks = JSON.parse(process.env.BENCH_JWKS ?? '{"keys":[]}') as { keys: JWK[] };
  const verifier = createTokenVerifier({ keySet: jwks, issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
  const route = process.env.BENCH_RATE_LIMITED === 'false' ? benchRoute : benchLimitedRoute;
  const handler = httpHandler(route, benchImpl) as unknown as (
    event: APIGatewayProxyEvent,
    context: Context,
  ) => Promise<APIGatewayProxyResult>;
  let requests = 0;
  const statuses: Record<string, number> = {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests++;
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    let authorizer: Record<string, string> | undefined;
    try {
      if (!match?.[1]) throw new Error('no token');
      const claims = await verifier.verify(match[1]);
      authorizer = {
        principalId: claims.sub,
        kind: 'user',
        roles: claims.roles.join(','),
        permissions: claims.permissions.join(','),
        sessionId: claims.session_id,
        orgId: claims.org_id ?? '',
      };
    } catch {
      statuses['401'] = (statuses['401'] ?? 0) + 1;
      reply(res, { statusCode: 401, body: '{"title":"Unauthorized"}' });
      return;
    }
    const result = await handler(toEvent(req, authorizer), lambdaContext());
    statuses[String(result.statusCode)] = (statuses[String(result.statusCode)] ?? 0) + 1;
    reply(res, result);
  };
  const server = createServer((req, res) => {
    // The body of a GET is not read; draining it keeps keep-alive connections usable.
    req.resume();
    handle(req, res).catch(() => reply(res, { statusCode: 500, body: '' }));
  });
  return { server, stats: () => ({ requests, bridgeRequests: fetches.count, statuses: { ...statuses } }) };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  let close: () => Promise<void>;
  let stats: () => ServerStats = () => ({ requests: 0, bridgeRequests: 0, statuses: {} });
  if (mode === 'bridge') {
    const bridge = await startBridge({
      port: 0,
      redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      token: process.env.BENCH_BRIDGE_TOKEN ?? '',
    });
    close = bridge.close;
    send({ url: bridge.url });
  } else if (mode === 'nimbus' || mode === 'bare') {
    let requests = 0;
    const built =
      mode === 'nimbus'
        ? await nimbusServer()
        : {
            server: createServer((_req, res) => {
              requests++;
              res.writeHead(200, { 'content-type': 'text/plain' });
              res.end('ok');
            }),
            stats: () => ({ requests, bridgeRequests: 0, statuses: { '200': requests } }),
          };
    stats = built.stats;
    const url = await listen(built.server);
    close = () =>
      new Promise<void>((resolve) => {
        built.server.close(() => resolve());
        built.server.closeAllConnections();
      });
    send({ url });
  } else {
    throw new Error(`serve.ts: unknown mode ${String(mode)} (bridge | nimbus | bare)`);
  }
  process.on('message', (message: unknown) => {
    if (message === 'stats') send({ stats: stats() });
    if (message === 'stop') {
      void close().finally(() => process.exit(0));
    }
  });
  // The parent going away (crash, Ctrl-C) must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
}

await main();
