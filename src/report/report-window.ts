import { CodeContextError, inputError } from '../shared/errors.js';

/**
 * A report's time window, in UTC: `--window 24h | 7d | 30d | all` is the rolling interval [now − d, now);
 * `--since` (inclusive) / `--until` (exclusive) take ISO dates or date-times. The clock is `CODECONTEXT_NOW`
 * when set (tests pin window edges with it), else the system clock.
 */
export interface ReportWindow {
  /** Inclusive ISO start; null = from the beginning. */
  start: string | null;
  /** Exclusive ISO end. */
  end: string;
  /** How the summary names it: "7-day window", "All-time", "2026-11-01 to 2026-11-08". */
  label: string;
}

/** The rolling windows, as `--window`, `?window=` and the MCP tools' `window` take them. */
export const WINDOW_FORMS = ['24h', '7d', '30d', 'all'] as const;
export type WindowForm = (typeof WINDOW_FORMS)[number];

/**
 * The window of a report that names none (no window, since or until): the summaries look at the last 7 days; the
 * usage ledger (and the dashboard built on it) at the last 30, so a page of calls is rarely empty.
 */
export const DEFAULT_WINDOW = { summary: '7d', ledger: '30d' } as const satisfies Record<string, WindowForm>;

/** A window as every surface names it: CLI options, HTTP query parameters, MCP tool arguments. */
export interface WindowOptions {
  window?: string;
  since?: string;
  until?: string;
}
const SPANS: Record<string, { ms: number; label: string }> = {
  '24h': { ms: 24 * 3600_000, label: '24-hour window' },
  '7d': { ms: 7 * 86_400_000, label: '7-day window' },
  '30d': { ms: 30 * 86_400_000, label: '30-day window' },
};

export function reportNow(env: NodeJS.ProcessEnv = process.env): number {
  const pinned = env.CODECONTEXT_NOW;
  if (!pinned) return Date.now();
  const parsed = Date.parse(pinned);
  if (Number.isNaN(parsed)) throw new CodeContextError('usage', `CODECONTEXT_NOW=${pinned}: expected an ISO date-time`);
  return parsed;
}

function parseDate(field: 'since' | 'until', value: string): number {
  // A bare date is midnight UTC; a date-time without a zone is UTC too.
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? `${value}T00:00:00Z`
    : /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)
      ? `${value}Z`
      : value;
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(parsed))
    throw inputError(field, `${value}: expected an ISO date (2026-11-01) or date-time (2026-11-01T09:30:00Z)`);
  return parsed;
}

/** The window `options` name, ending at `now`; `defaultForm` when they name none. */
export function parseWindow(
  options: WindowOptions,
  now: number,
  defaultForm: WindowForm = DEFAULT_WINDOW.summary,
): ReportWindow {
  if (options.since !== undefined || options.until !== undefined) {
    if (options.window !== undefined) throw inputError('window', 'cannot be combined with since or until');
    const start = options.since === undefined ? null : parseDate('since', options.since);
    const end = options.until === undefined ? now : parseDate('until', options.until);
    if (start !== null && start >= end)
      throw inputError('since', `${options.since} is not before the end of the window`);
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    return {
      start: start === null ? null : new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      label: `${start === null ? 'Up' : day(start)} to ${day(end)}`,
    };
  }
  const form = options.window ?? defaultForm;
  if (form === 'all') return { start: null, end: new Date(now).toISOString(), label: 'All-time' };
  const span = SPANS[form];
  if (!span)
    throw inputError('window', `${form}: expected one of ${WINDOW_FORMS.join(', ')}, or since/until with ISO dates`);
  return { start: new Date(now - span.ms).toISOString(), end: new Date(now).toISOString(), label: span.label };
}

/** parseWindow at the report clock's now (reportNow): what the CLI, the HTTP API and MCP call. */
export function reportWindow(options: WindowOptions, defaultForm: WindowForm = DEFAULT_WINDOW.summary): ReportWindow {
  return parseWindow(options, reportNow(), defaultForm);
}
