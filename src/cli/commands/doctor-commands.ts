import path from 'node:path';
import type { DoctorCheck, DoctorReport } from '../../setup/doctor.js';
import { shellQuote } from '../../shared/shell-quote.js';
import type { CommandSpec } from '../command-spec.js';
import { ExitWith } from '../write-output.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'fail' };

/** One line per check: status, what, and the fix when there is one. */
function renderText(report: DoctorReport): string {
  return report.checks
    .map((check) => `${MARK[check.status]}  ${check.check}: ${check.message}${check.fix ? ` — fix: ${check.fix}` : ''}`)
    .join('\n');
}

function renderMarkdown(report: DoctorReport): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = report.checks.map(
    (check) => `| ${check.status} | ${cell(check.check)} | ${cell(check.message)} | ${cell(check.fix ?? '')} |`,
  );
  return ['| status | check | result | fix |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export const doctorCommands: CommandSpec[] = [
  {
    name: 'doctor',
    summary:
      'Check config, database, index freshness, embeddings and provider keys; exit 1 when something needs fixing',
    options: [{ flags: '--probe', description: 'send one tiny request to each provider (its cost is recorded)' }],
    render: { text: renderText, markdown: renderMarkdown },
    defaultFormat: 'text',
    run: async (options, context) => {
      const { runDoctor } = await import('../../setup/doctor.js');
      const root = context.globals.root;
      const report = await runDoctor({
        loadConfig: () => context.config,
        probe: Boolean(options.probe),
        signal: context.signal,
        rootArgument: path.resolve(root) === process.cwd() ? '' : `--root ${shellQuote(root)}`,
      });
      const failed = report.checks.filter((check) => check.status === 'fail').length;
      if (failed === 0) return report;
      return new ExitWith(report, 1, `${failed} of ${report.checks.length} checks need fixing`);
    },
  },
];
