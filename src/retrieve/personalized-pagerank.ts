/**
 * Personalized PageRank over a small directed graph (Aider's repo-map idea, applied per query): the restart
 * distribution is the seeds' scores, so rank flows from the chunks the goal matched to the code they reference.
 * Dangling nodes return their mass to the seeds. Deterministic: fixed iteration count, no randomness.
 * `weights` (one per edge, default 1) split a node's rank among its out-edges in proportion, as the repository
 * map needs (an edge carries how often one file uses another's names).
 */
export function personalizedPageRank(
  nodeCount: number,
  edges: ReadonlyArray<[number, number]>,
  personalization: Float64Array,
  { damping = 0.7, iterations = 30, weights }: { damping?: number; iterations?: number; weights?: Float64Array } = {},
): Float64Array {
  const total = personalization.reduce((sum, value) => sum + value, 0);
  if (nodeCount === 0 || total <= 0) return new Float64Array(nodeCount);
  const restart = personalization.map((value) => value / total);
  const weightOf = (edge: number): number => weights?.[edge] ?? 1;
  const outWeight = new Float64Array(nodeCount);
  edges.forEach(([from], edge) => (outWeight[from]! += weightOf(edge)));
  let rank = Float64Array.from(restart);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const next = new Float64Array(nodeCount);
    let dangling = 0;
    for (let node = 0; node < nodeCount; node++) if (outWeight[node] === 0) dangling += rank[node]!;
    edges.forEach(([from, to], edge) => (next[to]! += (damping * rank[from]! * weightOf(edge)) / outWeight[from]!));
    for (let node = 0; node < nodeCount; node++) next[node]! += (1 - damping + damping * dangling) * restart[node]!;
    rank = next;
  }
  return rank;
}
