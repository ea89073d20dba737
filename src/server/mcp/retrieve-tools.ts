import { z } from 'zod';
import type { ContextPack } from '../../pack/pack-context.js';
import { prepareContextPack } from '../../pack/prepare-context-pack.js';
import { CONTEXT_STYLES } from '../../pack/render-context.js';
import { buildRepoMap, DEFAULT_REPO_MAP_TOKENS, type RepoMapResult } from '../../pack/repo-map.js';
import { searchProject } from '../../retrieve/search-project.js';
import { tokenBudget, topK } from './input-fields.js';
import type { ToolContext } from './tool-context.js';
import { textResult } from './tool-result.js';

/** A pack as the model reads it: the context as plain text, then what was packed (everything but the context). */
export function packResult(pack: ContextPack) {
  const { context, ...metadata } = pack;
  return textResult(context, metadata);
}

/** A repository map as the model reads it: the map's text, then its figures and entries. */
function mapResult(map: RepoMapResult) {
  const { text, ...metadata } = map;
  return textResult(text, metadata);
}

const encoding = z
  .enum(['o200k_base', 'cl100k_base'])
  .optional()
  .describe("token encoding (default: the configured model's)");

/** search_project, prepare_context_pack and repo_map: the tools that read the index. */
export function registerRetrieveTools({ server, config, warn, run, readyIndex }: ToolContext): void {
  server.registerTool(
    'search_project',
    {
      title: 'Search the repository',
      description:
        'Rank the indexed code chunks (or whole files) of the repository for a natural-language or code query (BM25 + embeddings + structure). Indexes the repository first if it has no index yet.',
      inputSchema: {
        query: z
          .string()
          .min(1)
          .describe('what to look for, in your own words or code identifiers (raw text, never query syntax)'),
        top_k: topK('results'),
        files: z.boolean().optional().describe('rank files instead of chunks'),
      },
      annotations: { readOnlyHint: true },
    },
    (args, extra) =>
      run(async () => {
        await readyIndex(extra);
        return searchProject(config, {
          query: args.query,
          topK: args.top_k,
          files: args.files ?? false,
          onWarning: warn,
        });
      }),
  );

  server.registerTool(
    'prepare_context_pack',
    {
      title: 'Pack the code that matters for a goal',
      description:
        'Rank the repository for a goal and pack the best chunks into a token budget (whole symbol bodies kept together, near-duplicates penalised, secrets redacted). Returns the context as plain text, then a JSON block with what was packed (chunks, tokens_used, budget). Indexes the repository first if it has no index yet.',
      inputSchema: {
        goal: z.string().min(1).describe('the task in your own words, e.g. an issue text'),
        top_k: topK(),
        token_budget: tokenBudget(),
        encoding,
        style: z.enum(CONTEXT_STYLES).optional().describe('how blocks are rendered (default markdown)'),
      },
      annotations: { readOnlyHint: true },
    },
    (args, extra) =>
      run(async () => {
        await readyIndex(extra);
        return prepareContextPack(config, {
          goal: args.goal,
          topK: args.top_k,
          tokenBudget: args.token_budget,
          encoding: args.encoding,
          style: args.style,
          onWarning: warn,
        });
      }, packResult),
  );

  server.registerTool(
    'repo_map',
    {
      title: 'Map of the repository',
      description: `The repository's files and their top symbols (signature lines), ranked by the reference graph and fitted to a token budget (default ${DEFAULT_REPO_MAP_TOKENS}): an overview before reading code. Returns the map as plain text, then a JSON block with its figures and entries. Indexes the repository first if it has no index yet.`,
      inputSchema: {
        token_budget: tokenBudget('map', String(DEFAULT_REPO_MAP_TOKENS)),
        encoding,
      },
      annotations: { readOnlyHint: true },
    },
    (args, extra) =>
      run(async () => {
        await readyIndex(extra);
        return buildRepoMap(config, { tokenBudget: args.token_budget, encoding: args.encoding, signal: extra.signal });
      }, mapResult),
  );
}
