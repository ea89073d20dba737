import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sendText } from './http-json.js';
import type { Handler } from './product-api.js';

/**
 * `GET /dashboard`: one page served by the gateway, no build step. It reads the same JSON as everyone else
 * (`/sales-summary`, `/metrics-report`, `/usage-ledger`) and draws with uPlot, served from the installed package.
 */
const require = createRequire(import.meta.url);
const uplotDir = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>codecontext</title>
<link rel="stylesheet" href="/dashboard/uplot.css">
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2330; }
  h1 { font-size: 20px; } .cards { display: flex; gap: 16px; flex-wrap: wrap; }
  .card { border: 1px solid #d6dae3; border-radius: 8px; padding: 12px 16px; min-width: 150px; }
  .card b { display: block; font-size: 22px; } table { border-collapse: collapse; margin-top: 8px; }
  td, th { border-bottom: 1px solid #e6e8ee; padding: 4px 10px; text-align: left; } .error { color: #b00020; }
</style></head>
<body>
<h1>codecontext — <span id="window">30-day window</span></h1>
<div class="cards">
  <div class="card">Requests<b id="requests">…</b></div>
  <div class="card">Routed local<b id="routed-local">…</b></div>
  <div class="card">To external<b id="to-external">…</b></div>
  <div class="card">Spend<b id="spend">…</b></div>
  <div class="card">Naive baseline<b id="baseline">…</b></div>
  <div class="card">Savings<b id="savings">…</b></div>
  <div class="card">Cache hit rate<b id="cache-hit-rate">…</b></div>
</div>
<h2>Spend vs naive baseline, per day (USD)</h2><div id="spend-chart"></div>
<h2>Route mix</h2><table id="route-mix"><thead><tr><th>route</th><th>tier</th><th>requests</th></tr></thead><tbody></tbody></table>
<h2>Recent calls</h2><table id="recent"><thead><tr><th>time</th><th>route</th><th>provider</th><th>model</th><th>tokens in/out</th><th>USD</th></tr></thead><tbody></tbody></table>
<p id="status"></p>
<script src="/dashboard/uplot.js"></script>
<script>
const usd = (v) => '$' + Number(v).toFixed(2);
const text = (id, v) => { document.getElementById(id).textContent = v; };
const row = (cells) => '<tr>' + cells.map((c) => '<td>' + String(c).replace(/[<&]/g, (m) => (m === '<' ? '&lt;' : '&amp;')) + '</td>').join('') + '</tr>';
async function load() {
  const get = (url) => fetch(url).then((r) => { if (!r.ok) throw new Error(url + ': HTTP ' + r.status); return r.json(); });
  const [sales, metrics, ledger] = await Promise.all([get('/sales-summary?window=30d'), get('/metrics-report?window=30d&top_n=5'), get('/usage-ledger?window=30d')]);
  text('window', sales.window.label);
  text('requests', sales.requests); text('routed-local', sales.routed_local); text('to-external', sales.to_external);
  text('spend', usd(sales.spend_usd)); text('baseline', usd(sales.baseline_cost_usd)); text('savings', usd(sales.savings_usd));
  text('cache-hit-rate', metrics.totals.requests ? (100 * metrics.cache_hits / metrics.totals.requests).toFixed(1) + '%' : '0.0%');
  document.querySelector('#route-mix tbody').innerHTML = metrics.by_route_tier.map((g) => row([g.route, g.tier ?? '—', g.requests])).join('');
  document.querySelector('#recent tbody').innerHTML = ledger.calls.slice(-20).reverse()
    .map((c) => row([c.created_at.replace('T', ' ').slice(0, 19), c.route, c.provider, c.model, c.input_tokens + ' / ' + c.output_tokens, c.cost_usd === null ? '—' : Number(c.cost_usd).toFixed(4)])).join('');
  const days = metrics.by_day.map((d) => Date.parse(d.day + 'T00:00:00Z') / 1000);
  new uPlot({ width: 720, height: 260, series: [{}, { label: 'spend', stroke: '#1565c0' }, { label: 'naive baseline', stroke: '#c62828' }] },
    [days, metrics.by_day.map((d) => d.spend_usd), metrics.by_day.map((d) => d.baseline_usd)], document.getElementById('spend-chart'));
  text('status', 'loaded');
}
load().catch((error) => { const s = document.getElementById('status'); s.className = 'error'; s.textContent = String(error); });
</script>
</body></html>
`;

export function dashboardRoutes(): Record<string, { GET: Handler }> {
  return {
    '/dashboard': { GET: async (_request, response) => sendText(response, 200, PAGE, 'text/html; charset=utf-8') },
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
