import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { callerLabel } from '../report/caller-label.js';
import { formatUsd } from '../shared/money.js';
import type { Reports } from '../report/gateway-reports.js';
import { DEFAULT_WINDOW } from '../report/report-window.js';
import { sendText } from './http-json.js';
import { reportScopeOf } from './operation-routes.js';
import { runReport, type Handler } from './product-api.js';

/**
 * `GET /dashboard[?window=30d&include_benchmark=true&group_by=team]`: one page served by the gateway, no build step. It shows the
 * figures and breakdowns of `/metrics-report` (the figures are the CLI's sales-summary, from the same read) and the
 * newest page of `/usage-ledger` for one window, and draws with uPlot, served from the installed package. It never
 * reads the whole ledger: what it fetches is bounded by the days and breakdowns it draws, not by the calls (at
 * 20k calls in 30 days it fetched 10.5 MB when it read every call of the window to show 20; 82 KB now, page and
 * uPlot included). Money is formatted by shared/money.ts's `formatUsd`, whose source is embedded in the page: one
 * rule in the terminal and the browser. The first figures are embedded in the page (read by the same report jobs),
 * so numbers show on first paint; a visible page re-reads them every 10 s. With `group_by` (key, user or team) it
 * also shows the figures per caller that metrics-report reads with the totals.
 */
const require = createRequire(import.meta.url);
const uplotDir = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

/** The newest calls the page lists. */
const RECENT_CALLS = 20;
/** How often a visible page re-reads its figures. */
const REFRESH_MS = 10_000;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>codecontext</title>
<link rel="stylesheet" href="/dashboard/uplot.css">
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2330; }
  h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; } .cards { display: flex; gap: 12px; flex-wrap: wrap; }
  .card { border: 1px solid #d6dae3; border-radius: 8px; padding: 10px 14px; min-width: 140px; }
  .card b { display: block; font-size: 20px; } .card small { display: block; color: #5b6475; }
  .cost { border-color: #e0b4b4; } table { border-collapse: collapse; margin-top: 8px; }
  td, th { border-bottom: 1px solid #e6e8ee; padding: 4px 10px; text-align: left; } tfoot td { font-weight: bold; }
  .error { color: #b00020; }
</style></head>
<body>
<h1>codecontext — <span id="window">…</span></h1>
<h2>Requests</h2>
<div class="cards">
  <div class="card">Requests<b id="requests">…</b><small>every status</small></div>
  <div class="card">Answered<b id="answered">…</b><small>completed</small></div>
  <div class="card">Routed local<b id="routed-local">…</b><small><span id="local-answers">…</span> local answers, <span id="local-model">…</span> local model</small></div>
  <div class="card">External<b id="external">…</b><small>cache misses</small></div>
  <div class="card">Cache hits<b id="cache-hits">…</b><small><span id="cache-exact">…</span> exact, <span id="cache-coalesced">…</span> coalesced</small></div>
</div>
<table id="by-status"><thead><tr><th>status</th><th>requests</th></tr></thead><tbody></tbody></table>
<h2>Money</h2>
<div class="cards">
  <div class="card">Spend<b id="spend">…</b><small>provider-reported</small></div>
  <div class="card">Unreported<b id="unreported-spend">…</b><small>safe upper bounds, counted against budgets</small></div>
  <div class="card">Dry-run quotes<b id="dry-run-quotes">…</b><small>never spent</small></div>
  <div class="card cost">Context added (a cost)<b id="context-added-usd">…</b><small><span id="context-added-tokens">…</span> tokens added to bare prompts</small></div>
</div>
<h2>Savings by cause (each against its own baseline, not summed)</h2>
<div class="cards">
  <div class="card">Context<b id="context-saving">…</b><small><span id="context-saving-tokens">…</span> tokens: whole files vs the pack, same model</small></div>
  <div class="card">Routing<b id="routing-saving">…</b><small>vs baseline_model</small></div>
  <div class="card">Cache<b id="cache-saving">…</b><small>replayed answers</small></div>
  <div class="card">Local<b id="local-saving">…</b><small>answered locally, vs the external tier</small></div>
</div>
<h2>Tokens, errors, latency</h2>
<div class="cards">
  <div class="card">Context packed<b id="packed-tokens">…</b><small>vs <span id="naive-tokens">…</span> in the whole files (<span id="reduction">…</span>) over <span id="context-requests">…</span> requests</small></div>
  <div class="card">Provider-reported tokens<b id="provider-input">…</b><small>input (<span id="external-input">…</span> external), <span id="provider-output">…</span> output</small></div>
  <div class="card">Failed requests<b id="failed-requests">…</b></div>
  <div class="card">Failed calls<b id="failed-calls">…</b><small>of <span id="calls">…</span> calls</small></div>
  <div class="card">Latency p50 / p95<b id="latency">…</b><small>completed requests, ms</small></div>
</div>
<h2>Spend and savings by cause, per day (USD)</h2><div id="spend-chart"></div>
<h2>Route mix (answered requests)</h2>
<table id="route-mix"><thead><tr><th>answered by</th><th>tier</th><th>requests</th><th>spend</th></tr></thead><tbody></tbody>
<tfoot><tr><td>answered</td><td></td><td id="route-mix-total"></td><td></td></tr></tfoot></table>
<h2>By caller</h2>
<p id="group-links">Group by: <a href="#" data-group="">none</a> · <a href="#" data-group="key">key</a> · <a href="#" data-group="user">user</a> · <a href="#" data-group="team">team</a></p>
<table id="by-caller" hidden><thead><tr><th id="by-caller-who">caller</th><th>requests</th><th>answered</th><th>spend</th><th>unreported</th><th>context saving</th><th>routing saving</th><th>cache saving</th><th>local saving</th></tr></thead><tbody></tbody>
<tfoot><tr><td>all</td><td id="by-caller-total"></td><td></td><td></td><td></td><td></td><td></td><td></td><td></td></tr></tfoot></table>
<h2>Recent calls</h2><table id="recent"><thead><tr><th>time</th><th>run</th><th>role</th><th>provider</th><th>model</th><th>usage</th><th>tokens in/out</th><th>USD</th></tr></thead><tbody></tbody></table>
<p id="status">loading…</p>
<script src="/dashboard/uplot.js"></script>
<script id="initial-data" type="application/json">__INITIAL_DATA__</script>
<script>
${formatUsd.toString()}
${callerLabel.toString()}
const RECENT_CALLS = ${RECENT_CALLS};
const REFRESH_MS = ${REFRESH_MS};
const DAY_S = 86400;
const count = (v) => Number(v).toLocaleString('en-US');
const text = (id, v) => { document.getElementById(id).textContent = v; };
const row = (cells) => '<tr>' + cells.map((c) => '<td>' + String(c).replace(/[<&]/g, (m) => (m === '<' ? '&lt;' : '&amp;')) + '</td>').join('') + '</tr>';
const isoDay = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);
const daySeconds = (iso) => Math.floor(Date.parse(iso) / 1000 / DAY_S) * DAY_S;
let chart = null;
// The page's own window, as the server read it for the first paint (reportScopeOf): a refresh must not switch it.
function query() {
  const page = new URLSearchParams(location.search);
  const q = new URLSearchParams();
  for (const name of ['window', 'since', 'until']) if (page.has(name)) q.set(name, page.get(name));
  if (![...q.keys()].length) q.set('window', '${DEFAULT_WINDOW.ledger}');
  if (page.get('include_benchmark') === 'true') q.set('include_benchmark', 'true');
  if (page.has('group_by')) q.set('group_by', page.get('group_by'));
  return q;
}
// The group links keep the page's window: only group_by changes.
for (const link of document.querySelectorAll('#group-links a')) {
  const q = new URLSearchParams(location.search);
  if (link.dataset.group) q.set('group_by', link.dataset.group); else q.delete('group_by');
  link.href = '?' + q.toString();
}
function renderCallers(metrics) {
  const table = document.getElementById('by-caller');
  table.hidden = !metrics.groups;
  if (!metrics.groups) return;
  text('by-caller-who', metrics.group_by);
  document.querySelector('#by-caller tbody').innerHTML = metrics.groups.map((g) => row([callerLabel(g, metrics.group_by), count(g.requests),
    count(g.answered), formatUsd(g.spend_usd), formatUsd(g.unreported_spend_usd), formatUsd(g.savings.context_saving_usd),
    formatUsd(g.savings.routing_saving_usd), formatUsd(g.savings.cache_saving_usd), formatUsd(g.savings.local_saving_usd)])).join('');
  text('by-caller-total', count(metrics.groups.reduce((sum, g) => sum + g.requests, 0)));
}
async function fetchData() {
  const get = (url) => fetch(url).then((r) => { if (!r.ok) throw new Error(url + ': HTTP ' + r.status); return r.json(); });
  // Aggregates and one page: the figures and breakdowns come grouped by SQLite (metrics-report carries every
  // sales-summary figure, from the same read), the recent calls are the newest page of the ledger.
  const [metrics, ledger] = await Promise.all([
    get('/metrics-report?top_n=5&' + query()), get('/usage-ledger?limit=' + RECENT_CALLS + '&' + query())]);
  return { metrics, ledger };
}
function render({ metrics, ledger }) {
  text('window', metrics.window.label + (metrics.include_benchmark ? ', benchmark rows included' : ''));
  text('requests', count(metrics.requests)); text('answered', count(metrics.answered));
  text('routed-local', count(metrics.routed_local)); text('local-answers', count(metrics.local_answers)); text('local-model', count(metrics.local_model));
  text('external', count(metrics.external)); text('cache-hits', count(metrics.cache_hits));
  text('cache-exact', count(metrics.cache_hits_by_kind.exact)); text('cache-coalesced', count(metrics.cache_hits_by_kind.coalesced));
  document.querySelector('#by-status tbody').innerHTML = Object.entries(metrics.by_status).map(([s, n]) => row([s, count(n)])).join('');
  text('spend', formatUsd(metrics.spend_usd)); text('unreported-spend', formatUsd(metrics.unreported_spend_usd));
  text('dry-run-quotes', formatUsd(metrics.dry_run_quotes_usd));
  text('context-added-usd', formatUsd(metrics.context_added_usd)); text('context-added-tokens', count(metrics.context_added_tokens));
  text('context-saving', formatUsd(metrics.savings.context_saving_usd)); text('context-saving-tokens', count(metrics.savings.context_saving_tokens));
  text('routing-saving', formatUsd(metrics.savings.routing_saving_usd)); text('cache-saving', formatUsd(metrics.savings.cache_saving_usd));
  text('local-saving', formatUsd(metrics.savings.local_saving_usd));
  text('packed-tokens', count(metrics.context.packed_tokens)); text('naive-tokens', count(metrics.context.naive_baseline_tokens));
  const r = metrics.context.reduction_pct;
  text('reduction', r === null ? '—' : (r >= 0 ? '−' : '+') + Math.abs(r) + '%'); text('context-requests', count(metrics.context.requests));
  text('provider-input', count(metrics.provider_tokens.input)); text('external-input', count(metrics.external_input_tokens));
  text('provider-output', count(metrics.provider_tokens.output));
  text('failed-requests', count(metrics.errors.failed_requests)); text('failed-calls', count(metrics.errors.failed_calls)); text('calls', count(metrics.calls));
  text('latency', metrics.latency_ms.p50 === null ? '—' : metrics.latency_ms.p50 + ' / ' + metrics.latency_ms.p95);
  document.querySelector('#route-mix tbody').innerHTML = metrics.route_mix.map((g) => row([g.answered_by, g.tier ?? '—', count(g.requests), formatUsd(g.spend_usd)])).join('');
  text('route-mix-total', count(metrics.route_mix.reduce((sum, g) => sum + g.requests, 0)));
  document.querySelector('#recent tbody').innerHTML = ledger.calls.slice().reverse()
    .map((c) => row([c.created_at.replace('T', ' ').slice(0, 19), c.run_id, c.role, c.provider, c.model, c.usage_source, count(c.input_tokens) + ' / ' + count(c.output_tokens), c.cost_usd === null ? '—' : formatUsd(c.cost_usd)])).join('');
  renderCallers(metrics);
  drawChart(metrics);
}
// uPlot's time scale is in seconds. Left to itself, the x range is the data's: one day of data became a range
// picked from the value's magnitude (years wide), so the range is the window's own days, from its first UTC day to
// the day after its end (all-time: from the first day with data).
function drawChart(metrics) {
  const days = metrics.by_day.map((d) => Date.parse(d.day + 'T00:00:00Z') / 1000);
  const end = daySeconds(metrics.window.end) + DAY_S;
  const start = metrics.window.start !== null ? daySeconds(metrics.window.start) : Math.min(days[0] ?? end - DAY_S, end - DAY_S);
  const series = [['spend', '#1565c0', (d) => d.spend_usd], ['context saving', '#2e7d32', (d) => d.savings.context_saving_usd],
    ['routing saving', '#6a1b9a', (d) => d.savings.routing_saving_usd], ['cache saving', '#ef6c00', (d) => d.savings.cache_saving_usd],
    ['local saving', '#00838f', (d) => d.savings.local_saving_usd]];
  const element = document.getElementById('spend-chart');
  chart?.destroy();
  chart = new uPlot({
    width: 760, height: 260,
    scales: { x: { time: true, range: () => [start, end] } },
    axes: [
      // The labels drawn are also kept on the element: a canvas cannot be read back, a test and a reader can.
      { space: 70, values: (u, splits) => { const labels = splits.map(isoDay); element.dataset.xLabels = JSON.stringify(labels); return labels.map((l) => l.slice(5)); } },
      { size: 80, values: (u, splits) => splits.map(formatUsd) },
    ],
    series: [{ value: (u, v) => v === null ? '—' : isoDay(v) }, ...series.map(([label, stroke]) => ({ label, stroke, points: { show: true }, value: (u, v) => v === null ? '—' : formatUsd(v) }))],
  }, [days, ...series.map(([, , pick]) => metrics.by_day.map(pick))], element);
}
function shown(status, isError) {
  const s = document.getElementById('status');
  s.className = isError ? 'error' : ''; s.textContent = status;
}
async function refresh() {
  try { render(await fetchData()); shown('loaded ' + new Date().toISOString().slice(11, 19) + ' UTC'); }
  catch (error) { shown(String(error), true); }
}
// First paint from the data embedded in the page (no fetch); then every REFRESH_MS while the tab is visible, and
// at once when it becomes visible again.
const initial = JSON.parse(document.getElementById('initial-data').textContent);
if (initial) { render(initial); shown('loaded'); } else refresh();
setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
</script>
</body></html>
`;

/**
 * The figures the page would fetch first, read by the same report jobs as `/metrics-report` and `/usage-ledger`,
 * so the numbers are there on first paint. Null when they cannot be read (a bad window): the page then fetches
 * them and shows the error where the status goes.
 */
async function initialData(reports: Reports, url: URL): Promise<unknown> {
  try {
    const scope = reportScopeOf(url, DEFAULT_WINDOW.ledger);
    const [metrics, ledger] = await Promise.all([
      runReport(reports, { report: 'metrics-report', topN: 5, ...scope }),
      runReport(reports, { report: 'usage-ledger', limit: RECENT_CALLS, ...scope }),
    ]);
    return { metrics, ledger };
  } catch {
    return null;
  }
}

/** JSON inside a <script> element: `<` escaped so no value can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

export function dashboardRoutes(reports: Reports): Record<string, { GET: Handler }> {
  return {
    '/dashboard': {
      GET: async (_request, response, url) => {
        const data = scriptJson(await initialData(reports, url));
        sendText(
          response,
          200,
          PAGE.replace('__INITIAL_DATA__', () => data),
          'text/html; charset=utf-8',
        );
      },
    },
    '/dashboard/uplot.js': {
      GET: async (_request, response) =>
        sendText(
          response,
          200,
          readFileSync(path.join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
          'text/javascript; charset=utf-8',
        ),
    },
    '/dashboard/uplot.css': {
      GET: async (_request, response) =>
        sendText(response, 200, readFileSync(path.join(uplotDir, 'uPlot.min.css'), 'utf8'), 'text/css; charset=utf-8'),
    },
  };
}
