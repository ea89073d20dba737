import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AppConfig } from '../../config/app-config.js';
import type { CodeContextGateway } from '../../route/code-context-gateway.js';
import type { ToolExtra } from './index-progress.js';
import type { ToolResult } from './tool-result.js';

/** What each group of tools is registered with: the server, the repository, and the steps every tool shares. */
export interface ToolContext {
  server: McpServer;
  config: AppConfig;
  warn: (message: string) => void;
  /** Run a tool's work: tracked as in flight, its value shaped by `shape` (JSON by default), a failure a tool error. */
  run: (work: () => Promise<unknown> | unknown, shape?: (value: never) => ToolResult) => Promise<ToolResult>;
  /** Before a tool reads the index: builds it on first use (see ensure-index.ts). */
  readyIndex: (extra: ToolExtra) => Promise<void>;
  /** One gateway (providers, prices, cooldowns) per server, made on first use. */
  gateway: () => CodeContextGateway;
}
