/**
 * The load generator of the gateway bench: one OpenAI chat-completions request over node:http with a keep-alive
 * agent, a closed loop (N workers back to back for a fixed time) and an open loop (a fixed rate, whatever the
 * answers). Every prompt is unique (a sequence number before 1 KB of filler) so no cache can answer it.
 */
import { Agent, request } from 'node:http';

/** Where one target takes chat completions, and the extra headers it needs (Portkey's provider and upstream). */
export interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

export interface Outcome {
  ms: number;
  ok: boolean;
  /** performance.now() when the answer had been read to its end. */
  end: number;
}

const FILLER = 'x'.repeat(1000);
export const PROMPT_BYTES = FILLER.length;
let sequence = 0;

/**
 * One request, read to its last byte. `ok` is a 200 whose body looks like a chat completion (JSON with `choices`,
 * or an SSE stream that reached `[DONE]`), so a gateway that answers 200 with an error body does not count.
 */
export function sendChat(endpoint: Endpoint, agent: Agent, key: string, stream: boolean): Promise<Outcome> {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    max_tokens: 20,
    stream,
    messages: [{ role: 'user', content: `${sequence++} ${FILLER}` }],
  });
  const started = performance.now();
  return new Promise((resolve) => {
    const outgoing = request(
      endpoint.url,
      {
        method: 'POST',
        agent,
        headers: {
          ...endpoint.headers,
          'content-type': 'application/json',
          authorization: `Bearer ${key}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const end = performance.now();
          const whole = stream ? text.includes('[DONE]') : text.includes('"choices"');
          resolve({ ms: end - started, ok: response.statusCode === 200 && whole, end });
        });
        response.on('error', () => resolve({ ms: performance.now() - started, ok: false, end: performance.now() }));
      },
    );
    outgoing.on('error', () => resolve({ ms: performance.now() - started, ok: false, end: performance.now() }));
    outgoing.end(body);
  });
}

/**
 * One endpoint over several servers of the same kind (gateway replicas): each read of `url` is the next server's, in
 * turn. sendChat reads it once per request, so consecutive requests go round-robin across `baseUrls`.
 */
export function roundRobin(
  baseUrls: readonly string[],
  pathname: string,
  headers: Record<string, string> = {},
): Endpoint {
  let next = 0;
  return {
    get url(): string {
      return `${baseUrls[next++ % baseUrls.length]!}${pathname}`;
    },
    headers,
  };
}

/** Why one request to `endpoint` is not a whole chat completion, or undefined when it is. */
export async function probeChat(endpoint: Endpoint, key: string, stream: boolean): Promise<string | undefined> {
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...endpoint.headers, 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 20,
        stream,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const text = await response.text();
    const whole = stream ? text.includes('[DONE]') : text.includes('"choices"');
    if (response.status === 200 && whole) return undefined;
    return `${stream ? 'streaming' : 'non-streaming'} probe: HTTP ${response.status} ${text.slice(0, 300)}`;
  } catch (error) {
    return `${stream ? 'streaming' : 'non-streaming'} probe: ${(error as Error).message}`;
  }
}

/** The median of `values` (the mean of the middle two when even), to 2 decimals; NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return +value.toFixed(2);
}

/** The value at quantile `q` of ascending `sorted` (nearest rank), to 2 decimals; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return +sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!.toFixed(2);
}

export interface ClosedLoopResult {
  /** Successful answers per second inside the measured window. */
  rps: number;
  errors: number;
  p50_ms: number;
  /** Every request sent, settle phase and stragglers included (for the ledger check). */
  sent: number;
}

/**
 * `concurrency` workers, each sending its next request as soon as the last one is answered, for `settleMs` (not
 * counted: connections open, the JIT settles) and then `seconds`. Counted: answers that end inside the window.
 */
/** A target's closed-loop rounds as one figure: median and range of req/s, the errors, the median p50. */
export function summarizeClosedLoop(runs: ReadonlyArray<Pick<ClosedLoopResult, 'rps' | 'errors' | 'p50_ms'>>) {
  const rps = runs.map((run) => run.rps);
  return {
    rps_median: median(rps),
    rps_min: Math.min(...rps),
    rps_max: Math.max(...rps),
    rps_rounds: rps,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    p50_ms_median: median(runs.map((run) => run.p50_ms)),
  };
}

export async function closedLoop(
  endpoint: Endpoint,
  key: string,
  options: { concurrency: number; seconds: number; settleMs: number; stream: boolean },
): Promise<ClosedLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const windowStart = performance.now() + options.settleMs;
  const windowEnd = windowStart + options.seconds * 1000;
  let completed = 0;
  let errors = 0;
  let sent = 0;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < windowEnd) {
        sent++;
        const outcome = await sendChat(endpoint, agent, key, options.stream);
        if (outcome.end < windowStart || outcome.end > windowEnd) continue;
        if (!outcome.ok) errors++;
        else {
          completed++;
          times.push(outcome.ms);
        }
      }
    }),
  );
  agent.destroy();
  times.sort((a, b) => a - b);
  return { rps: Math.round(completed / options.seconds), errors, p50_ms: quantile(times, 0.5), sent };
}

export interface OpenLoopResult {
  p50_ms: number;
  p99_ms: number;
  errors: number;
  sent: number;
  /** Every latency, ascending, for pooling rounds. */
  times: number[];
}

/** One request every 1/rate s for `seconds`, whatever the answers, over up to 50 keep-alive connections. */
export async function openLoop(
  endpoint: Endpoint,
  key: string,
  options: { rate: number; seconds: number; stream: boolean },
): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  const pending: Array<Promise<Outcome>> = [];
  const start = performance.now();
  const total = Math.round(options.rate * options.seconds);
  for (let index = 0; index < total; index++) {
    const wait = start + (index * 1000) / options.rate - performance.now();
    // Timers are ~1 ms coarse: a request due within 1 ms goes now.
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(sendChat(endpoint, agent, key, options.stream));
  }
  const outcomes = await Promise.all(pending);
  agent.destroy();
  const times = outcomes.map((outcome) => outcome.ms).sort((a, b) => a - b);
  return {
    p50_ms: quantile(times, 0.5),
    p99_ms: quantile(times, 0.99),
    errors: outcomes.filter((outcome) => !outcome.ok).length,
    sent: total,
    times,
  };
}
