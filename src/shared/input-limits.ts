/**
 * The largest `top_k` and `token_budget` codecontext's own operations take, on every surface (HTTP product API,
 * drop-in `codecontext` options, MCP tools): one limit, one place. Beyond these a number is a mistake, not a request.
 */
export const MAX_TOP_K = 1000;
export const MAX_TOKEN_BUDGET = 2_000_000;
