/**
 * One declaration per operation: a name, a zod input schema and `run(workspace, input)`. The CLI's options, the
 * HTTP product API's routes and the MCP tools are generated from it (cli/operation-command.ts,
 * server/operation-routes.ts, server/mcp/operation-tools.ts), so a field, its limit and its message exist once and
 * every surface checks the same thing. A surface only translates: strings from argv or a query string into the
 * schema's types, the field names of an error into its own words (`top_k` → `--top-k`), the result into its format.
 */
import type { z } from 'zod/v3';
import type { AppConfig } from '../config/app-config.js';
import type { IndexOptions } from '../indexing/index-project.js';
import type { ApiKeys } from '../ledger/api-keys.js';
import type { RequestSource } from '../ledger/ledger.js';
import type { ReportJob } from '../report/gateway-reports.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';

/** What an operation runs against: the repository, and what the surface that called it provides. */
export interface Workspace {
  config: AppConfig;
  /** Which front door asked (ledger rows record it). */
  source: RequestSource;
  signal?: AbortSignal;
  warn: (message: string) => void;
  /** The surface's gateway (providers, prices, cooldowns), made on first use (the CLI imports it then). */
  gateway: () => Promise<CodeContextGateway>;
  /** Where a ledger report runs: in this process (CLI, MCP) or on the gateway's report worker (HTTP). */
  report: (job: ReportJob) => Promise<unknown>;
  /** The gateway's API keys on the ledger's store, for as long as `use` runs (the CLI's opens and closes it). */
  keys: <T>(use: (keys: ApiKeys) => Promise<T>) => Promise<T>;
  /** How an index run reports progress: the CLI's progress line, MCP progress notifications. */
  indexProgress?: Pick<IndexOptions, 'onProgress' | 'onEmbedProgress'>;
}

/** An input shape: snake_case fields, each with its limits and a description every surface shows. */
export type InputShape = z.ZodRawShape;
export type InputOf<Shape extends InputShape> = z.output<z.ZodObject<Shape>>;

/** A result that is mostly text (a pack's context, a map, an answer): the text, and the rest beside it. */
export interface TextPart {
  text: string;
  metadata: Record<string, unknown>;
}

export interface Operation<Shape extends InputShape = InputShape, Output = unknown, Input = InputOf<Shape>> {
  /** kebab-case; in snake_case, the MCP tool unless `mcp.tool` says otherwise. (Each surface names it its own way.) */
  name: string;
  /** What an agent reads before calling it (the MCP tool description). */
  description: string;
  input: Shape;
  /** It reads the index: MCP builds one on first use before running it. */
  readsIndex?: boolean;
  run: (workspace: Workspace, input: Input) => Promise<Output>;
  http?: {
    method: 'GET' | 'POST';
    path: string;
    /** A POST body whose optional fields may also arrive nested under this key (an older body shape). */
    nestedUnder?: string;
    /** The HTTP status of a result (default 200), and headers it carries. */
    status?: (output: Output) => number;
    headers?: (output: Output) => Record<string, string>;
    /** `?format=csv`: the result as CSV text, with headers for what CSV has no room for. */
    csv?: (output: Output) => { text: string; headers: Record<string, string> };
  };
  mcp?: {
    /** Default: the name in snake_case. */
    tool?: string;
    title: string;
    annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; openWorldHint?: boolean };
    /** Only with `codecontext mcp --allow-patches`: a tool that writes the user's files. */
    writesFiles?: boolean;
    /** The result as text for the model, when it is mostly text; JSON otherwise. */
    asText?: (output: Output) => TextPart | undefined;
  };
}

/** An operation declaration with its input type inferred from the schema. */
export function defineOperation<Shape extends InputShape, Output, Input = InputOf<Shape>>(
  operation: Operation<Shape, Output, Input>,
): Operation<Shape, Output, Input> {
  return operation;
}

/** An operation of any shape, as the generators take it. */
export type AnyOperation = Operation<InputShape, any, any>;

/** The MCP tool name of an operation. */
export const toolNameOf = (operation: AnyOperation): string => operation.mcp?.tool ?? operation.name.replace(/-/g, '_');
