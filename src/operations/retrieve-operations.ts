import type { ContextPack } from '../pack/pack-context.js';
import type { RepoMapResult } from '../pack/repo-map.js';
import type { SearchResult } from '../retrieve/search-project.js';
import { contextStyle, encoding, flag, requiredText, tokenBudget, topK } from './input-fields.js';
import { DEFAULT_REPO_MAP_TOKENS } from '../shared/input-limits.js';
import { defineOperation } from './operation.js';

// The stages behind these are imported on use: declarations are read at start-up (the CLI builds its options from
// them), and tree-sitter, SQLite and the tokenizers should load only for a command that needs them.

export const searchProjectOperation = defineOperation({
  name: 'search-project',
  description:
    'Rank the indexed code chunks (or whole files) of the repository for a natural-language or code query (BM25 + embeddings + structure). Indexes the repository first if it has no index yet.',
  input: {
    query: requiredText('what to look for, in your own words or code identifiers (raw text, never query syntax)'),
    top_k: topK('results'),
    files: flag('rank files instead of chunks'),
  },
  readsIndex: true,
  run: async (workspace, input): Promise<{ results: SearchResult[] }> => {
    const { searchProject } = await import('../retrieve/search-project.js');
    return searchProject(workspace.config, {
      query: input.query,
      topK: input.top_k,
      files: input.files,
      onWarning: workspace.warn,
    });
  },
  http: { method: 'POST', path: '/search' },
  mcp: { title: 'Search the repository', annotations: { readOnlyHint: true } },
});

export const prepareContextPackOperation = defineOperation({
  name: 'prepare-context-pack',
  description:
    'Rank the repository for a goal and pack the best chunks into a token budget (whole symbol bodies kept together, near-duplicates penalised, secrets redacted). Returns the context as plain text, then a JSON block with what was packed (chunks, tokens_used, budget). Indexes the repository first if it has no index yet.',
  input: {
    goal: requiredText('the task in your own words, e.g. an issue text'),
    top_k: topK(),
    token_budget: tokenBudget(),
    encoding,
    style: contextStyle,
  },
  readsIndex: true,
  run: async (workspace, input): Promise<ContextPack> => {
    const { prepareContextPack } = await import('../pack/prepare-context-pack.js');
    return prepareContextPack(workspace.config, {
      goal: input.goal,
      topK: input.top_k,
      tokenBudget: input.token_budget,
      encoding: input.encoding,
      style: input.style,
      onWarning: workspace.warn,
    });
  },
  http: { method: 'POST', path: '/context-pack' },
  mcp: {
    title: 'Pack the code that matters for a goal',
    annotations: { readOnlyHint: true },
    asText: ({ context, ...metadata }) => ({ text: context, metadata }),
  },
});

export const repoMapOperation = defineOperation({
  name: 'repo-map',
  description: `The repository's files and their top symbols (signature lines), ranked by the reference graph and fitted to a token budget (default ${DEFAULT_REPO_MAP_TOKENS}): an overview before reading code. Returns the map as plain text, then a JSON block with its figures and entries. Indexes the repository first if it has no index yet.`,
  input: { token_budget: tokenBudget('map', String(DEFAULT_REPO_MAP_TOKENS)), encoding },
  readsIndex: true,
  run: async (workspace, input): Promise<RepoMapResult> => {
    const { buildRepoMap } = await import('../pack/repo-map.js');
    return buildRepoMap(workspace.config, {
      tokenBudget: input.token_budget,
      encoding: input.encoding,
      signal: workspace.signal,
    });
  },
  http: { method: 'GET', path: '/repo-map' },
  mcp: {
    title: 'Map of the repository',
    annotations: { readOnlyHint: true },
    asText: ({ text, ...metadata }) => ({ text, metadata }),
  },
});
