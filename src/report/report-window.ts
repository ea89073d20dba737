import { CodeContextError } from '../shared/errors.js';

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

export const WINDOW_FORMS = ['24h', '7d', '30d', 'all'] as const;
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

function parseDate(flag: string, value: string): number {
  // A bare date is midnight UTC; a date-time without a zone is UTC too.
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? `${value}T00:00:00Z`
    : /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)
      ? `${value}Z`
      : value;
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(parsed))
    throw new CodeContextError(
      'usage',
      `${flag} ${value}: expected an ISO date (2026-11-01) or date-time (2026-11-01T09:30:00Z)`,
    );
  return parsed;
}

export function parseWindow(options: { window?: string; since?: string; until?: string }, now: number): ReportWindow {
  if (options.since !== undefined || options.until !== undefined) {
    if (options.window !== undefined)
      throw new CodeContextError('usage', '--window cannot be combined with --since/--until');
    const start = options.since === undefined ? null : parseDate('--since', options.since);
    const end = options.until === undefined ? now : parseDate('--until', options.until);
    if (start !== null && start >= end)
      throw new CodeContextError('usage', `--since ${options.since} is not before the end of the window`);
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    return {
      start: start === null ? null : new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      label: `${start === null ? 'Up' : day(start)} to ${day(end)}`,
    };
  }
  const form = options.window ?? '7d';
  if (form === 'all') return { start: null, end: new Date(now).toISOString(), label: 'All-time' };
  const span = SPANS[form];
  if (!span)
    throw new CodeContextError(
      'usage',
      `--window ${form}: expected one of ${WINDOW_FORMS.join(', ')}, or --since/--until with ISO dates`,
    );
  return { start: new Date(now - span.ms).toISOString(), end: new Date(now).toISOString(), label: span.label };
}
