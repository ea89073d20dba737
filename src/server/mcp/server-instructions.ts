/**
 * The `instructions` of the initialize result: what a client may put in its system prompt so the model knows
 * when to reach for these tools. Short on purpose — it is paid for in every conversation that loads the server.
 */
export function serverInstructions(options: { allowPatches: boolean }): string {
  const lines = [
    'codecontext indexes this repository (tree-sitter symbols, BM25 in SQLite, optional embeddings) and packs the code that matters for a task into a token budget, so you read less and pay less.',
    'Which tool when:',
    '- prepare_context_pack: before working on a task, get the relevant code as plain text (whole symbols, secrets redacted), fitted to token_budget. Prefer it to reading many files.',
    '- repo_map: an overview of the repository (files and their top symbols, ranked by how much other code uses them) within a token budget; start here in an unfamiliar repository.',
    '- search_project: find where something is defined or used (ranked chunks or files with line ranges); cheaper than a pack when you need locations, not code.',
    '- index_project / refresh_changed_files: build or update the index. Tools that read the index build it on first use, so you rarely need these.',
    '- sales_summary, metrics_report, usage_ledger: what was spent and saved, from the ledger of provider-reported tokens and dollars (read-only).',
    '- route_or_run: SPENDS MONEY. Sends a prompt to the cheapest capable model under the per-request dollar cap and records the cost; route_only: true plans and prices it without calling.',
  ];
  if (options.allowPatches)
    lines.push(
      '- apply_patch / rollback_patch: WRITE FILES. Replace text that occurs exactly once in a file (atomically, with a rollback record); dry_run: true shows the diff only.',
    );
  lines.push(
    'Results are budgeted: packs never exceed token_budget and searches return top_k hits; ask for more only when needed. A pack or map returns its text first, then a JSON block with what it holds.',
  );
  return lines.join('\n');
}
