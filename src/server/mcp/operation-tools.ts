import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AppConfig } from '../../config/app-config.js';
import { OPERATIONS } from '../../operations/operations.js';
import { localWorkspace } from '../../operations/local-workspace.js';
import { toolNameOf, type AnyOperation } from '../../operations/operation.js';
import type { CodeContextGateway } from '../../route/code-context-gateway.js';
import { progressNotifier, type ToolExtra } from './index-progress.js';
import { jsonResult, textResult, type ToolResult } from './tool-result.js';

/** What the tools are registered with: the server, the repository, and the steps every tool shares. */
export interface ToolContext {
  server: McpServer;
  config: AppConfig;
  warn: (message: string) => void;
  /** Run a tool's work: tracked as in flight, its value shaped into a result, a failure a tool error. */
  run: (work: () => Promise<unknown>, shape: (value: unknown) => ToolResult) => Promise<ToolResult>;
  /** Before a tool reads the index: builds it on first use (see ensure-index.ts). */
  readyIndex: (extra: ToolExtra) => Promise<void>;
  /** One gateway (providers, prices, cooldowns) per server, made on first use. */
  gateway: () => CodeContextGateway;
  /** Register the tools that write the user's files (`--allow-patches`). */
  allowPatches: boolean;
}

/** A result as the model reads it: the operation's text part as plain text when it has one, JSON otherwise. */
function shapeFor(operation: AnyOperation): (value: unknown) => ToolResult {
  return (value) => {
    const part = operation.mcp?.asText?.(value);
    return part ? textResult(part.text, part.metadata) : jsonResult(value);
  };
}

/**
 * Every operation with an MCP exposure as a tool: its input schema is the operation's (the SDK publishes and checks
 * it), its work the operation's `run`, in a workspace of this call (its cancel signal, its progress token).
 */
export function registerOperationTools(context: ToolContext): void {
  const { server, config, warn, run, readyIndex, gateway } = context;
  for (const operation of OPERATIONS) {
    const mcp = operation.mcp;
    if (!mcp || (mcp.writesFiles && !context.allowPatches)) continue;
    const shape = shapeFor(operation);
    server.registerTool(
      toolNameOf(operation),
      {
        title: mcp.title,
        description: operation.description,
        inputSchema: operation.input,
        annotations: mcp.annotations,
      },
      (args: Record<string, unknown>, extra: ToolExtra) =>
        run(async () => {
          if (operation.readsIndex) await readyIndex(extra);
          const workspace = localWorkspace(config, {
            source: 'mcp',
            signal: extra.signal,
            warn,
            gateway,
            indexProgress: progressNotifier(extra),
          });
          return operation.run(workspace, args);
        }, shape),
    );
  }
}
