/**
 * The largest `top_k`, `token_budget` and `top_n` codecontext's own operations take, on every surface (config
 * defaults, CLI options, HTTP product API, drop-in `codecontext` options, MCP tools): one limit, one place. Beyond
 * these a number is a mistake, not a request.
 */
export const MAX_TOP_K = 1000;
export const MAX_TOKEN_BUDGET = 2_000_000;
/** The most expensive requests a metrics report lists. */
export const MAX_TOP_N = 1000;

/** A repository map's default budget, aider's default map size: enough for an outline of a mid-sized repository. */
export const DEFAULT_REPO_MAP_TOKENS = 1024;
