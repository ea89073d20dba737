/**
 * Personalized PageRank over a small directed graph (Aider's repo-map idea, applied per query): the restart
 * distribution is the seeds' scores, so rank flows from the chunks the goal matched to the code they reference.
 * Dangling nodes return their mass to the seeds. Deterministic: fixed iteration count, no randomness.
 */
export function personalizedPageRank(
  nodeCount: number,
  edges: ReadonlyArray<[number, number]>,
  personalization: Float64Array,
  { damping = 0.7, iterations = 30 } = {},
): Float64Array {
  const total = personalization.reduce((sum, value) => sum + value, 0);
  if (nodeCount === 0 || total <= 0) return new Float64Array(nodeCount);
  const restart = personalization.map((value) => value / total);
  const outDegree = new Float64Array(nodeCount);
  for (const [from] of edges) outDegree[from]! += 1;
  let rank = Float64Array.from(restart);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const next = new Float64Array(nodeCount);
    let dangling = 0;
    for (let node = 0; node < nodeCount; node++) if (outDegree[node] === 0) dangling += rank[node]!;
    for (const [from, to] of edges) next[to]! += (damping * rank[from]!) / outDegree[from]!;
    for (let node = 0; node < nodeCount; node++) next[node]! += (1 - damping + damping * dangling) * restart[node]!;
    rank = next;
  }
  return rank;
}
