import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { CodeContextError } from '../shared/errors.js';
import { registerSecret } from '../shared/secret-scrubber.js';
import { checkBind, isLoopbackAddress, isLoopbackLiteral, tokenRefusal } from './bind-address.js';
import { HttpError, sendJson } from './http-json.js';
import { dashboardRoutes } from './dashboard.js';
import { errorBody, type ClientFormat } from './drop-in/client-format.js';
import { dropInHandler } from './drop-in/drop-in-handler.js';
import { GatewayRuntime } from './gateway-runtime.js';
import { accessLogLine } from './access-log.js';
import { modelListFormat, modelRoutes } from './model-list.js';
import { productRoutes, statusFor, type Handler } from './product-api.js';

export interface GatewayOptions {
  host: string;
  port: number;
  /** Required for a non-loopback host; with it every route but /health needs `Authorization: Bearer <token>`. */
  authToken?: string;
  version: string;
  /** Diagnostics (an internal error's stack). */
  log?: (line: string) => void;
  /** One line per request (method, route, model, status, ms, dollars — see access-log.ts); none when absent. */
  accessLog?: (line: string) => void;
  /** Watch the tree to keep the index fresh (default); false: a stat pass before each read instead. */
  watch?: boolean;
}

/**
 * The drop-in routes and the client format each speaks. They answer every error (auth, Host guard, size, method)
 * in that format too, so an OpenAI or Anthropic SDK reports it as it would the vendor's.
 */
const DROP_IN_FORMATS: Record<string, ClientFormat> = { '/v1/chat/completions': 'openai', '/v1/messages': 'anthropic' };

/** The client format a route's errors are answered in: the drop-in routes', or the model list's asker's. */
function errorFormatOf(request: IncomingMessage): ClientFormat | undefined {
  const pathname = (request.url ?? '/').split('?')[0]!;
  if (pathname === '/v1/models' || pathname.startsWith('/v1/models/')) return modelListFormat(request);
  return DROP_IN_FORMATS[pathname];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** `Host: localhost:8787` → `localhost`; `[::1]:8787` → `::1`. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'));
  return header.split(':')[0]!.toLowerCase();
}

function sameSecret(presented: string, token: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `Authorization: Bearer <token>`, or `x-api-key: <token>` — where Anthropic's SDKs put their key. */
function tokenMatches(request: IncomingMessage, token: string): boolean {
  const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const apiKey = request.headers['x-api-key'];
  return (
    (bearer !== undefined && sameSecret(bearer, token)) || (typeof apiKey === 'string' && sameSecret(apiKey, token))
  );
}

/**
 * The gateway's HTTP server. Safety first: loopback unless a token is set (refused here for a literal address, and
 * by `listen` for any host, so a library caller cannot skip it), a Host-header
 * guard against DNS rebinding while on loopback, bearer auth when a token is set, no CORS headers, JSON bodies only,
 * a body size limit. Errors are JSON `{"error": {...}}` with a status that says what went wrong.
 */
export function createGatewayServer(
  gateway: CodeContextGateway,
  options: GatewayOptions,
  runtime?: GatewayRuntime,
): GatewayServer {
  // Before the runtime opens the database: a refused server leaves nothing open.
  const refusal =
    isIP(options.host) !== 0 && !isLoopbackAddress(options.host) && tokenRefusal(options.host, options.authToken);
  if (refusal) throw refusal;
  runtime ??= new GatewayRuntime(gateway, { watch: options.watch !== false, onWarning: options.log });
  const models = modelRoutes(gateway);
  const deps = { db: runtime.db, cache: runtime.cache, env: gateway.env, signal: runtime.shutdown };
  const routes: Record<string, Partial<Record<'GET' | 'POST', Handler>>> = {
    ...productRoutes(gateway, options.version, runtime),
    ...dashboardRoutes(runtime.reports),
    '/v1/models': { GET: models.list },
    '/v1/models/{id}': { GET: models.one },
    ...Object.fromEntries(
      Object.entries(DROP_IN_FORMATS).map(([pathname, format]) => [
        pathname,
        { POST: dropInHandler(gateway, format, deps) },
      ]),
    ),
  };
  const log = options.log ?? (() => {});
  // Without a token the Host guard always applies; with one, only on a literal loopback bind.
  const guardHost = isLoopbackLiteral(options.host) || !options.authToken;
  registerSecret(options.authToken);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://gateway.invalid');
    if (guardHost && !LOOPBACK_HOSTS.has(hostName(request.headers.host))) {
      throw new HttpError(403, 'Host header must be localhost, 127.0.0.1 or [::1] (DNS-rebinding guard)');
    }
    if (options.authToken && url.pathname !== '/health' && !tokenMatches(request, options.authToken)) {
      throw new HttpError(401, 'missing or wrong token (Authorization: Bearer <token> or x-api-key: <token>)');
    }
    const route = routes[url.pathname.startsWith('/v1/models/') ? '/v1/models/{id}' : url.pathname];
    if (!route) throw new HttpError(404, `no route ${url.pathname}`);
    const handler: Handler | undefined = route[request.method as 'GET' | 'POST'];
    if (!handler)
      throw new HttpError(405, `${request.method} not allowed on ${url.pathname}`, {
        allow: Object.keys(route).join(', '),
      });
    await handler(request, response, url);
  };

  const server = createServer((request, response) => {
    const started = performance.now();
    runtime
      .track(() => handle(request, response))
      .catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        const format = errorFormatOf(request);
        if (error instanceof HttpError && format)
          return sendJson(response, error.status, errorBody(format, error.status, error.message), error.headers);
        if (error instanceof HttpError)
          return sendJson(
            response,
            error.status,
            { error: { message: error.message, type: 'invalid_request', ...error.extra } },
            error.headers,
          );
        if (error instanceof CodeContextError)
          return sendJson(response, statusFor(error), {
            error: { message: error.message, type: error.kind },
            ...error.details,
          });
        log(`internal error on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
        sendJson(response, 500, { error: { message: 'internal error', type: 'internal' } });
      })
      .finally(() => {
        if (options.accessLog)
          options.accessLog(accessLogLine(runtime.db, request, response, performance.now() - started));
      });
  });
  // Keep idle client connections longer than clients and proxies usually do (Node's 5 s default raced keep-alive
  // clients reusing a socket the server had just closed: connection resets under steady load in bench/gateway).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  authTokens.set(server, options.authToken);
  return Object.assign(server, {
    /**
     * Stop taking requests, let those in flight finish and record themselves for up to `graceMs` (then they are
     * abandoned and recorded as interrupted), close the database.
     */
    async drain(graceMs: number): Promise<{ finished: boolean }> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const result = await runtime.drain(graceMs);
      server.closeAllConnections();
      await closed;
      return result;
    },
  });
}

export type GatewayServer = Server & { drain(graceMs: number): Promise<{ finished: boolean }> };

/** The token each gateway server was made with: `listen` refuses a reachable bind it cannot guard. */
const authTokens = new WeakMap<Server, string | undefined>();

/**
 * Start listening; resolves with the bound URL (port 0 picks a free port). A gateway server is refused (usage
 * error) a host other machines can reach — a name is resolved first — unless it was made with a long enough token.
 */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  if (authTokens.has(server)) {
    try {
      await checkBind(host, authTokens.get(server));
    } catch (error) {
      // Refused: its database, report workers and checkpoint timer close, or they would keep the process alive.
      await (server as GatewayServer).drain(0);
      throw error;
    }
  }
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new CodeContextError(
          error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 'usage' : 'runtime',
          `cannot listen on ${host}:${port}: ${error.code ?? error.message}`,
        ),
      );
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}
