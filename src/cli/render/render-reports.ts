import { callerLabel } from '../../report/caller-label.js';
import type { MetricsReport } from '../../report/metrics-report.js';
import { summaryLines } from '../../report/sales-summary.js';
import type { LedgerPage } from '../../report/usage-ledger-report.js';
import { formatUsd } from '../../shared/money.js';
import type { PersonFormat } from '../command-spec.js';
import { joinSections, renderHeading, renderTable } from './render-table.js';

type Row<K extends keyof MetricsReport> = MetricsReport[K] extends Array<infer R> ? R : never;

const section = (format: PersonFormat, title: string, table: string | false): string | false =>
  table && `${renderHeading(format, title)}\n${table}`;

/** metrics-report: sales-summary's sentences (the same figures), then each breakdown as a table. */
export function renderMetrics(report: MetricsReport, format: PersonFormat): string {
  return joinSections(
    summaryLines(report).join('\n'),
    section(
      format,
      'Route mix',
      report.route_mix.length > 0 &&
        renderTable(
          format,
          [
            { header: 'answered by', value: (row: Row<'route_mix'>) => row.answered_by },
            { header: 'tier', value: (row) => row.tier ?? '—' },
            { header: 'requests', value: (row) => row.requests },
            { header: 'spend', value: (row) => formatUsd(row.spend_usd), right: true },
            { header: 'unreported', value: (row) => formatUsd(row.unreported_spend_usd), right: true },
          ],
          report.route_mix,
        ),
    ),
    section(
      format,
      'By provider and model',
      report.by_provider_model.length > 0 &&
        renderTable(
          format,
          [
            { header: 'provider', value: (row: Row<'by_provider_model'>) => row.provider },
            { header: 'model', value: (row) => row.model },
            { header: 'calls', value: (row) => row.calls },
            { header: 'failed', value: (row) => row.failed_calls },
            { header: 'input', value: (row) => row.provider_tokens.input },
            { header: 'output', value: (row) => row.provider_tokens.output },
            { header: 'spend', value: (row) => formatUsd(row.spend_usd), right: true },
            { header: 'unreported', value: (row) => formatUsd(row.unreported_spend_usd), right: true },
          ],
          report.by_provider_model,
        ),
    ),
    section(
      format,
      'By day (UTC)',
      report.by_day.length > 0 &&
        renderTable(
          format,
          [
            { header: 'day', value: (row: Row<'by_day'>) => row.day },
            { header: 'requests', value: (row) => row.requests },
            { header: 'answered', value: (row) => row.answered },
            { header: 'spend', value: (row) => formatUsd(row.spend_usd), right: true },
            { header: 'context saving', value: (row) => formatUsd(row.savings.context_saving_usd), right: true },
            { header: 'routing saving', value: (row) => formatUsd(row.savings.routing_saving_usd), right: true },
            { header: 'cache saving', value: (row) => formatUsd(row.savings.cache_saving_usd), right: true },
            { header: 'local saving', value: (row) => formatUsd(row.savings.local_saving_usd), right: true },
          ],
          report.by_day,
        ),
    ),
    report.groups &&
      report.group_by &&
      section(format, `By ${report.group_by}`, report.groups.length > 0 && renderCallers(report, format)),
    section(
      format,
      'Most expensive requests',
      report.top_requests.length > 0 &&
        renderTable(
          format,
          [
            { header: 'created', value: (row: Row<'top_requests'>) => row.created_at },
            { header: 'status', value: (row) => row.status },
            { header: 'route', value: (row) => row.route },
            { header: 'model', value: (row) => row.model ?? '—' },
            { header: 'spend', value: (row) => formatUsd(row.spend_usd), right: true },
            { header: 'run id', value: (row) => row.run_id },
          ],
          report.top_requests,
        ),
    ),
  );
}

/** The figures per key, user or team of a grouped metrics-report (the columns of its grouping first). */
function renderCallers(report: MetricsReport, format: PersonFormat): string {
  type Caller = NonNullable<MetricsReport['groups']>[number];
  const by = report.group_by!;
  return renderTable(
    format,
    [
      { header: by, value: (row: Caller) => callerLabel(row, by) },
      { header: 'requests', value: (row) => row.requests },
      { header: 'answered', value: (row) => row.answered },
      { header: 'spend', value: (row) => formatUsd(row.spend_usd), right: true },
      { header: 'unreported', value: (row) => formatUsd(row.unreported_spend_usd), right: true },
      { header: 'context saving', value: (row) => formatUsd(row.savings.context_saving_usd), right: true },
      { header: 'routing saving', value: (row) => formatUsd(row.savings.routing_saving_usd), right: true },
      { header: 'cache saving', value: (row) => formatUsd(row.savings.cache_saving_usd), right: true },
      { header: 'local saving', value: (row) => formatUsd(row.savings.local_saving_usd), right: true },
    ],
    report.groups ?? [],
  );
}

/** usage-ledger-report: one line per call of the page, oldest first, and how to read the older ones. */
export function renderLedger(page: LedgerPage, format: PersonFormat): string {
  const header = `${page.window.label}: ${page.calls.length} call${page.calls.length === 1 ? '' : 's'}`;
  if (page.calls.length === 0) return header;
  return joinSections(
    header,
    renderTable(
      format,
      [
        { header: 'created', value: (call: LedgerPage['calls'][number]) => call.created_at },
        { header: 'role', value: (call) => call.role },
        { header: 'provider', value: (call) => call.provider },
        { header: 'model', value: (call) => call.model },
        { header: 'http', value: (call) => (call.http_status === null ? '—' : String(call.http_status)) },
        { header: 'input', value: (call) => call.input_tokens },
        { header: 'output', value: (call) => call.output_tokens },
        { header: 'cached', value: (call) => call.cached_input_tokens },
        {
          header: 'cost',
          value: (call) =>
            call.cost_usd === null ? '—' : `${formatUsd(call.cost_usd)}${call.cost_is_estimate ? ' (bound)' : ''}`,
          right: true,
        },
        { header: 'usage', value: (call) => call.usage_source },
        { header: 'key', value: (call) => call.key_id ?? '—' },
        { header: 'run id', value: (call) => call.run_id },
      ],
      page.calls,
    ),
    page.next_cursor !== null && `older calls: --before ${page.next_cursor}`,
  );
}
