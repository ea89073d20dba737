/**
 * The Model Context Protocol server (`codecontext mcp`): the CLI's core functions as MCP tools over stdio, so
 * Claude Code, Cursor, VS Code and other agents can search, pack, route and account through codecontext.
 * Built on the official SDK (@modelcontextprotocol/sdk) rather than hand-rolled JSON-RPC: the protocol's version
 * negotiation, capabilities and schema publication come with it. Tool results are the CLI's JSON; every failure
 * is a tool error (`isError`), never a crashed server.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import type { AppConfig } from '../config/app-config.js';
import { watchIndexedTree } from '../indexing/keep-index-fresh.js';
import { indexProject, refreshChangedFiles, type IndexOptions } from '../indexing/index-project.js';
import { prepareContextPack } from '../pack/prepare-context-pack.js';
import { readLedgerAt } from '../report/read-ledger.js';
import { parseWindow, reportNow } from '../report/report-window.js';
import { salesSummary } from '../report/sales-summary.js';
import { searchProject } from '../retrieve/search-project.js';
import { AutoExecutor } from '../pipeline/auto-executor.js';
import { CodeContextGateway } from '../route/code-context-gateway.js';
import { CodeContextError } from '../shared/errors.js';
import { InFlight } from '../shared/in-flight.js';
import { scrubSecrets } from '../shared/secret-scrubber.js';

type ToolResult = {
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};
type ToolExtra = {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: never) => Promise<void>;
};

const topK = z
  .number()
  .int()
  .min(1)
  .max(500)
  .optional()
  .describe('how many chunks to consider (default: the config default_top_k)');
const tokenBudget = z
  .number()
  .int()
  .min(1)
  .max(2_000_000)
  .optional()
  .describe('hard budget of the rendered context, in tokens (default: default_context_budget_tokens)');
const embeddings = z
  .boolean()
  .optional()
  .describe('embed new chunks after indexing (default true; off when the config disables embeddings)');

function ok(result: unknown): ToolResult {
  const text = JSON.stringify(result);
  const scrubbed = scrubSecrets(text);
  return {
    content: [{ type: 'text', text: scrubbed }],
    structuredContent: (scrubbed === text ? result : JSON.parse(scrubbed)) as Record<string, unknown>,
  };
}

/** The CLI's error object (`{"error", "kind", …details}`) as a tool error. */
function toolError(error: unknown): ToolResult {
  const body =
    error instanceof CodeContextError
      ? { error: error.message, kind: error.kind, ...error.details }
      : { error: error instanceof Error ? error.message : String(error), kind: 'runtime' };
  return { content: [{ type: 'text', text: scrubSecrets(JSON.stringify(body)) }], isError: true };
}

/** Index progress as MCP progress notifications, when the client asked for them with a progress token. */
function indexOptions(
  extra: ToolExtra,
  wantEmbeddings: boolean | undefined,
  warn: (message: string) => void,
): IndexOptions {
  const token = extra._meta?.progressToken;
  const notify = (progress: number, total: number, message: string): void => {
    if (token === undefined) return;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress, total, message },
      } as never)
      .catch(() => {});
  };
  return {
    embeddings: wantEmbeddings !== false,
    signal: extra.signal,
    onWarning: warn,
    onProgress: (progress) => {
      if (progress.phase === 'parse' && progress.total > 0)
        notify(progress.done, progress.total, `indexing ${progress.done}/${progress.total} files`);
    },
    onEmbedProgress: (progress) =>
      notify(progress.done, progress.total, `embedding ${progress.done}/${progress.total} chunks`),
  };
}

export interface McpServerOptions {
  version: string;
  /** Warnings of the tools (stderr in `codecontext mcp`: stdout carries only protocol messages). */
  onWarning?: (message: string) => void;
}

/** An MCP server whose tools run codecontext against one configured repository. */
export function createMcpServer(config: AppConfig, options: McpServerOptions, inFlight = new InFlight()): McpServer {
  const warn = options.onWarning ?? (() => {});
  const run = (work: () => Promise<unknown> | unknown): Promise<ToolResult> =>
    inFlight.track(async () => {
      try {
        return ok(await work());
      } catch (error) {
        return toolError(error);
      }
    });
  const server = new McpServer({ name: 'codecontext', version: options.version });
  let gateway: CodeContextGateway | undefined;
  const gatewayFor = (): CodeContextGateway => (gateway ??= new CodeContextGateway(config));

  server.registerTool(
    'search_project',
    {
      title: 'Search the repository',
      description:
        'Rank the indexed code chunks (or whole files) of the repository for a natural-language or code query (BM25 + embeddings + structure). Needs an index: run index_project first.',
      inputSchema: {
        query: z
          .string()
          .min(1)
          .describe('what to look for, in your own words or code identifiers (raw text, never query syntax)'),
        top_k: z
          .number()
          .int()
          .min(1)
          .max(500)
          .optional()
          .describe('how many results (default: the config default_top_k)'),
        files: z.boolean().optional().describe('rank files instead of chunks'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(() =>
        searchProject(config, { query: args.query, topK: args.top_k, files: args.files ?? false, onWarning: warn }),
      ),
  );

  server.registerTool(
    'prepare_context_pack',
    {
      title: 'Pack the code that matters for a goal',
      description:
        'Rank the repository for a goal and pack the best chunks into a token budget (whole symbol bodies kept together, near-duplicates penalised, secrets redacted). Returns the rendered context and what was packed.',
      inputSchema: {
        goal: z.string().min(1).describe('the task in your own words, e.g. an issue text'),
        top_k: topK,
        token_budget: tokenBudget,
        encoding: z
          .enum(['o200k_base', 'cl100k_base'])
          .optional()
          .describe("token encoding (default: the configured model's)"),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(() =>
        prepareContextPack(config, {
          goal: args.goal,
          topK: args.top_k,
          tokenBudget: args.token_budget,
          encoding: args.encoding,
          onWarning: warn,
        }),
      ),
  );

  server.registerTool(
    'route_or_run',
    {
      title: 'Route a request to the cheapest capable model and run it',
      description:
        'Classify the prompt, answer it locally when no model is needed, otherwise pack context and call the cheapest capable model under the per-request dollar cap (or only plan the call with route_only). Every call is logged in the ledger with the provider-reported tokens and cost.',
      inputSchema: {
        prompt: z.string().min(1).describe('the request, in your own words'),
        top_k: topK,
        token_budget: tokenBudget,
        session: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('a session id: chunks already sent in this session are referenced instead of resent'),
        route_only: z
          .boolean()
          .optional()
          .describe('plan and price the call without making it (recorded as pending, like route-request)'),
      },
      annotations: { openWorldHint: true },
    },
    (args, extra) =>
      run(() =>
        new AutoExecutor(gatewayFor()).start({
          goal: args.prompt,
          source: 'mcp',
          // A route-only payload goes to the agent to send: a route-request, as handle-remote-response knows it.
          surface: args.route_only ? 'route-request' : 'mcp:route_or_run',
          topK: args.top_k,
          tokenBudget: args.token_budget,
          session: args.session,
          routeOnly: args.route_only ?? false,
          signal: extra.signal,
          onWarning: warn,
        }),
      ),
  );

  server.registerTool(
    'index_project',
    {
      title: 'Index the repository',
      description:
        'Index (or incrementally re-index) the repository: symbols and chunks with tree-sitter, BM25 in SQLite, then embeddings if enabled. Respects .gitignore. Sends progress notifications when given a progress token.',
      inputSchema: { embeddings },
    },
    (args, extra) =>
      run(() => indexProject(config, indexOptions(extra as unknown as ToolExtra, args.embeddings, warn))),
  );

  server.registerTool(
    'refresh_changed_files',
    {
      title: 'Re-index what changed',
      description:
        'Re-index only the files added or changed since the last index run and drop deleted ones; lists the paths.',
      inputSchema: { embeddings },
    },
    (args, extra) =>
      run(() => refreshChangedFiles(config, indexOptions(extra as unknown as ToolExtra, args.embeddings, warn))),
  );

  server.registerTool(
    'sales_summary',
    {
      title: 'What codecontext saved',
      description:
        'The ledger over a window, as sales-summary reports it: requests by status and how they were answered (local answer, local model, external, cache hit), provider-reported tokens, spend (provider-reported apart from unreported bounds and dry-run quotes), savings by cause (context, routing, cache, local — never summed), errors and latency.',
      inputSchema: {
        window: z
          .enum(['24h', '7d', '30d', 'all'])
          .optional()
          .describe('rolling window (default 7d unless since/until are given)'),
        since: z.string().optional().describe('start (inclusive), ISO date or time, UTC'),
        until: z.string().optional().describe('end (exclusive), ISO date or time, UTC'),
        include_benchmark: z.boolean().optional().describe('count benchmark rows too'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(() => {
        const window = parseWindow({ window: args.window, since: args.since, until: args.until }, reportNow());
        return readLedgerAt(config.databasePath, (db) =>
          salesSummary(db, window, { includeBenchmark: args.include_benchmark ?? false }),
        );
      }),
  );

  return server;
}

/**
 * Serve MCP over the given streams (stdin/stdout by default) until the client closes its end or `signal` aborts.
 * Nothing but protocol messages may reach `output`.
 */
export async function serveMcpOverStdio(
  config: AppConfig,
  options: McpServerOptions & { signal?: AbortSignal; input?: Readable; output?: Writable; watch?: boolean },
): Promise<void> {
  const input = options.input ?? process.stdin;
  // Watching makes "is the index fresh?" a flag check per tool call (keep-index-fresh.ts); false: a stat pass.
  const treeWatch = options.watch === false ? null : watchIndexedTree(config, options.onWarning);
  const inFlight = new InFlight();
  const server = createMcpServer(config, options, inFlight);
  const transport = new StdioServerTransport(input, options.output ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
  if (!options.signal?.aborted) await inFlight.idle();
  treeWatch?.close();
  await server.close();
}
