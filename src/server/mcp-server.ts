/**
 * The Model Context Protocol server (`codecontext mcp`): the CLI's core functions as MCP tools over stdio, so
 * Claude Code, Cursor, VS Code and other agents can search, pack, route and account through codecontext.
 * Built on the official SDK (@modelcontextprotocol/sdk) rather than hand-rolled JSON-RPC: the protocol's version
 * negotiation, capabilities and schema publication come with it. Tool results are the CLI's JSON, except where the
 * payload is text for the model (a pack's context: plain text, metadata beside it; see mcp/tool-result.ts); every
 * failure is a tool error (`isError`), never a crashed server. The tools are the operations of src/operations/,
 * registered by mcp/operation-tools.ts.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import type { AppConfig } from '../config/app-config.js';
import { watchIndexedTree } from '../indexing/keep-index-fresh.js';
import { CodeContextGateway } from '../route/code-context-gateway.js';
import { InFlight } from '../shared/in-flight.js';
import { createIndexGate } from './mcp/ensure-index.js';
import { registerOperationTools, type ToolContext } from './mcp/operation-tools.js';
import { serverInstructions } from './mcp/server-instructions.js';
import { toolError } from './mcp/tool-result.js';

export interface McpServerOptions {
  version: string;
  /** Warnings of the tools (stderr in `codecontext mcp`: stdout carries only protocol messages). */
  onWarning?: (message: string) => void;
  /** List apply_patch and rollback_patch (`codecontext mcp --allow-patches`); without it they do not exist. */
  allowPatches?: boolean;
}

/** An MCP server whose tools run codecontext against one configured repository. */
export function createMcpServer(config: AppConfig, options: McpServerOptions, inFlight = new InFlight()): McpServer {
  const warn = options.onWarning ?? (() => {});
  const allowPatches = options.allowPatches ?? false;
  const server = new McpServer(
    { name: 'codecontext', version: options.version },
    { instructions: serverInstructions({ allowPatches }) },
  );
  let gateway: CodeContextGateway | undefined;
  const context: ToolContext = {
    server,
    config,
    warn,
    run: (work, shape) =>
      inFlight.track(async () => {
        try {
          return shape(await work());
        } catch (error) {
          return toolError(error);
        }
      }),
    readyIndex: createIndexGate(config, warn),
    gateway: () => (gateway ??= new CodeContextGateway(config)),
    allowPatches,
  };
  registerOperationTools(context);
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
