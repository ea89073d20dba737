import { CodeContextError } from '../../shared/errors.js';
import { scrubSecrets } from '../../shared/secret-scrubber.js';

/** A tools/call result as the SDK takes it. */
export type ToolResult = {
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/**
 * A JSON result (search hits, reports, index counts): the CLI's JSON as `structuredContent` and, as the spec asks
 * for clients that read only `content`, the same JSON serialized in one text block.
 */
export function jsonResult(result: unknown): ToolResult {
  const text = JSON.stringify(result);
  const scrubbed = scrubSecrets(text);
  return {
    content: [{ type: 'text', text: scrubbed }],
    structuredContent: (scrubbed === text ? result : JSON.parse(scrubbed)) as Record<string, unknown>,
  };
}

/**
 * A result that is mostly text (a pack's context, a repository map, a model's answer): the text as its own plain
 * text block, then the metadata as a small JSON block. A JSON-escaped string costs tokens (a 3,867-token context
 * carried as JSON cost 4,547: every newline and quote escaped), and the text is what the model should read.
 *
 * No `structuredContent` here, on purpose: Claude Code, Codex and VS Code hand the model `JSON.stringify(
 * structuredContent)` alone whenever it is present and drop the text blocks (anthropics/claude-code#79944,
 * #55677; anomalyco/opencode#32074 copies Codex's precedence), so structured metadata would hide the text and a
 * structured copy of the text would bring the escaping back. Without an outputSchema the spec leaves it optional.
 */
export function textResult(text: string, metadata: Record<string, unknown>): ToolResult {
  return {
    content: [
      { type: 'text', text: scrubSecrets(text) },
      { type: 'text', text: scrubSecrets(JSON.stringify(metadata)) },
    ],
  };
}

/** The CLI's error object (`{"error", "kind", …details}`) as a tool error. */
export function toolError(error: unknown): ToolResult {
  const body =
    error instanceof CodeContextError
      ? { error: error.message, kind: error.kind, ...error.details }
      : { error: error instanceof Error ? error.message : String(error), kind: 'runtime' };
  return { content: [{ type: 'text', text: scrubSecrets(JSON.stringify(body)) }], isError: true };
}
