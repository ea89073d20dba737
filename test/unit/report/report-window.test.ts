import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_WINDOW, parseWindow, WINDOW_FORMS, type WindowOptions } from '../../../src/report/report-window.js';

const NOW = Date.parse('2026-11-08T12:00:00Z');

describe('parseWindow: the forms and the default window every surface applies', () => {
  const cases: Array<[options: WindowOptions, defaultForm: 'summary' | 'ledger', start: string | null, label: string]> =
    [
      [{}, 'summary', '2026-11-01T12:00:00.000Z', '7-day window'],
      [{}, 'ledger', '2026-10-09T12:00:00.000Z', '30-day window'],
      [{ window: '24h' }, 'ledger', '2026-11-07T12:00:00.000Z', '24-hour window'],
      [{ window: 'all' }, 'summary', null, 'All-time'],
      // since/until name the window: no default applies.
      [{ since: '2026-11-05' }, 'ledger', '2026-11-05T00:00:00.000Z', '2026-11-05 to 2026-11-08'],
      [{ until: '2026-11-06' }, 'summary', null, 'Up to 2026-11-06'],
    ];
  for (const [options, defaultKind, start, label] of cases) {
    it(`${JSON.stringify(options)} (${defaultKind} default) → ${label}`, () => {
      const window = parseWindow(options, NOW, DEFAULT_WINDOW[defaultKind]);
      assert.deepEqual([window.start, window.label], [start, label]);
    });
  }

  it('every form parses, and anything else is a usage error naming the forms', () => {
    for (const form of WINDOW_FORMS) assert.ok(parseWindow({ window: form }, NOW).end);
    assert.throws(
      () => parseWindow({ window: '90d' }, NOW),
      (error: Error & { kind?: string }) => error.kind === 'usage' && error.message.includes(WINDOW_FORMS.join(', ')),
    );
  });
});
