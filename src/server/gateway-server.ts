import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { CodeContextError } from '../shared/errors.js';
import { registerSecret } from '../shared/secret-scrubber.js';
import { boundRefusal, checkBind, isLoopbackAddress, isLoopbackLiteral, tokenRefusal } from './bind-address.js';
import { HttpError, sendJson } from './http-json.js';
import { dashboardRoutes } from './dashboard.js';
import { errorBody, type ClientFormat } from './drop-in/client-format.js';
import { dropInHandler } from './drop-in/drop-in-handler.js';
import { GatewayRuntime } from './gateway-runtime.js';
import { accessLogLine } from './access-log.js';
import { KeyGate } from './key-gate.js';
import { looksLikeKey } from '../ledger/api-keys.js';
import { KEY_MANAGEMENT_PATHS } from '../operations/key-operations.js';
import { modelListFormat, modelRoutes } from './model-list.js';
import { probeRequested, productRoutes, statusFor, type Handler } from './product-api.js';

export interface GatewayOptions {
  host: string;
  port: number;
  /**
   * Required for a non-loopback host (or bind); with it every route but a plain /health needs
   * `Authorization: Bearer <token>`.
   */
  authToken?: string;
  version: string;
  /** Diagnostics (an internal error's stack). */
  log?: (line: string) => void;
  /** What a person running the gateway must know (a shared service lost and back); `log` when absent. */
  warn?: (message: string) => void;
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

/** The route template a path is served by (`/v1/models/gpt-4o` → `/v1/models/{id}`): what dispatch and the log use. */
function routeTemplate(pathname: string): string {
  return pathname.startsWith('/v1/models/') ? '/v1/models/{id}' : pathname;
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

const KEY_MANAGEMENT = new Set(KEY_MANAGEMENT_PATHS);

/** What a request presents: `Authorization: Bearer <token>`, and `x-api-key: <token>` — where Anthropic's SDKs put it. */
function presentedTokens(request: IncomingMessage): string[] {
  const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const apiKey = request.headers['x-api-key'];
  return [bearer, typeof apiKey === 'string' ? apiKey : undefined].filter((token): token is string => Boolean(token));
}

/** The routes a key holder may call: the drop-in endpoints, the model list and its own figures. The rest is the admin's. */
const KEY_ROUTES = new Set([
  '/v1/chat/completions',
  '/v1/messages',
  '/v1/models',
  '/v1/models/{id}',
  // A key holder's own figures: these reports read only the key's rows for a key (operation-routes.ts).
  '/sales-summary',
  '/metrics-report',
  '/usage-ledger',
]);

/**
 * The gateway's HTTP server. Safety first: loopback unless a token is set (refused here for a literal address, by
 * `listen` for any host, and — whoever called `server.listen`, with whatever arguments — for the address actually
 * bound, so a library caller cannot skip it), a Host-header guard against DNS rebinding while on loopback, bearer auth when a token is set, no CORS headers, JSON bodies only,
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
  runtime ??= new GatewayRuntime(gateway, { watch: options.watch !== false, onWarning: options.warn ?? options.log });
  const models = modelRoutes(gateway);
  const keyGate = new KeyGate(runtime.store, runtime.redis);
  const deps = {
    db: runtime.db,
    store: runtime.store,
    cache: runtime.cache,
    env: gateway.env,
    signal: runtime.shutdown,
  };
  const routes: Record<string, Partial<Record<'GET' | 'POST', Handler>>> = {
    ...productRoutes(gateway, options.version, runtime),
    ...dashboardRoutes(runtime.reports),
    '/v1/models': { GET: models.list },
    '/v1/models/{id}': { GET: models.one },
    ...Object.fromEntries(
      Object.entries(DROP_IN_FORMATS).map(([pathname, format]) => [
        pathname,
        { POST: dropInHandler(gateway, format, deps, keyGate) },
      ]),
    ),
  };
  const log = options.log ?? (() => {});
  // Without a token the Host guard always applies; with one, only on a loopback bind (set again once bound).
  let guardHost = isLoopbackLiteral(options.host) || !options.authToken;
  registerSecret(options.authToken);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://gateway.invalid');
    if (guardHost && !LOOPBACK_HOSTS.has(hostName(request.headers.host))) {
      throw new HttpError(403, 'Host header must be localhost, 127.0.0.1 or [::1] (DNS-rebinding guard)');
    }
    // Only a plain /health is open: `?probe=1` makes outbound requests, so it is behind the token like the rest.
    const open = url.pathname === '/health' && !probeRequested(url);
    const template = routeTemplate(url.pathname);
    const tokens = presentedTokens(request);
    const admin = options.authToken !== undefined && tokens.some((token) => sameSecret(token, options.authToken!));
    const keyToken = admin || open ? undefined : tokens.find(looksLikeKey);
    if (keyToken !== undefined) {
      const key = await keyGate.admit(keyToken);
      if (!key) throw new HttpError(401, 'unknown or revoked key');
      if (!KEY_ROUTES.has(template))
        throw new HttpError(
          403,
          `a key may call the drop-in endpoints and read its own figures; ${url.pathname} needs the admin token`,
        );
      keyGate.remember(request, key);
    } else if (!admin && !open) {
      if (options.authToken)
        throw new HttpError(401, 'missing or wrong token (Authorization: Bearer <token> or x-api-key: <token>)');
      if (await keyGate.keysRequired())
        throw new HttpError(
          401,
          'this gateway serves API keys: Authorization: Bearer cck_… or x-api-key: cck_… (codecontext keys create)',
        );
    }
    // Keys are managed with the admin token only: never by a key holder, nor on an open (tokenless) gateway.
    if (KEY_MANAGEMENT.has(template) && !admin)
      throw new HttpError(403, `${url.pathname} needs the admin token: start the gateway with --auth-token`);
    const route = routes[template];
    if (!route) throw new HttpError(404, `no route ${url.pathname}`);
    const handler: Handler | undefined = route[request.method as 'GET' | 'POST'];
    if (!handler)
      throw new HttpError(405, `${request.method} not allowed on ${url.pathname}`, {
        allow: Object.keys(route).join(', '),
      });
    await handler(request, response, url);
  };

  // Set when the address bound is one the server may not serve on: it is closed before any connection is read.
  let refused = false;
  // Once: a refused server drains itself, and its caller may still call drain() as usual.
  let drained: Promise<{ finished: boolean }> | undefined;
  const drainRuntime = (graceMs: number): Promise<{ finished: boolean }> => (drained ??= runtime.drain(graceMs));
  /** The template of the route a request is for, or undefined for a path no route serves (the access log's). */
  const routeOf = (request: IncomingMessage): string | undefined => {
    try {
      const template = routeTemplate(new URL(request.url ?? '/', 'http://gateway.invalid').pathname);
      return routes[template] ? template : undefined;
    } catch {
      return undefined;
    }
  };
  const server = createServer((request, response) => {
    if (refused) return void request.socket.destroy();
    const started = performance.now();
    const servedRoute = routeOf(request);
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
      .finally(async () => {
        if (options.accessLog)
          options.accessLog(
            await accessLogLine(runtime.store, request, response, performance.now() - started, servedRoute),
          );
      });
  });
  // The guard on what was actually bound. `listen` checks the host it is given, but `server.listen(8787)` (every
  // interface) or `server.listen(port, '0.0.0.0')` from Node's own API never passes through it. This listener runs
  // first on 'listening' (before the caller's callback), and 'listening' is emitted before the event loop accepts
  // any connection, so a refused server closes having served nothing; its database, report worker and timers
  // close too, then 'error' carries the refusal (`listen` rejects with it; with no listener Node throws it).
  server.prependListener('listening', () => {
    const address = server.address();
    const refusal = boundRefusal(address, options.authToken);
    if (!refusal) {
      guardHost = !options.authToken || typeof address === 'string' || isLoopbackAddress(address?.address ?? '');
      return;
    }
    refused = true;
    server.close();
    void drainRuntime(0)
      .catch(() => {})
      .then(() => server.emit('error', refusal));
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
      const result = await drainRuntime(graceMs);
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
      // The server refused the address it bound: its 'error' rejects this.
      if (!server.listening) return;
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}
