import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { formatUsd } from '../../../src/shared/money.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { SEED_NOW, seedEveryKindOfRow } from '../../helpers/seed-ledger.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

/** The cells of a markdown table row, or null for a line that is not one. */
const markdownCells = (line: string): string[] | null =>
  line.startsWith('| ') ? line.slice(2, -2).split(' | ') : null;

// Each command is run twice, as JSON and for people: the rendered figures must be the JSON's, formatted.
describe('--format text | markdown for people, json when piped (spawned binary)', () => {
  const dataDir = makeTempDir('codecontext-formats-');
  const env = { CODECONTEXT_NOW: SEED_NOW };
  const cli = (...args: string[]) => runCli([...args, '--root', FIXTURE, '--data-dir', dataDir], { env });
  before(async () => {
    await seedEveryKindOfRow(dataDir);
    const indexed = await cli('index-project');
    assert.equal(indexed.exitCode, 0, indexed.stderr);
  });

  it('search-project --format markdown: one table row per result, in rank order', async () => {
    const args = ['search-project', '--query', 'where is compute_tax defined', '--top-k', '4'];
    const [json, markdown] = await Promise.all([cli(...args), cli(...args, '--format', 'markdown')]);
    assert.equal(markdown.exitCode, 0, markdown.stderr);
    assert.equal(markdown.json, undefined);
    const rows = markdown.stdout.trimEnd().split('\n').map(markdownCells);
    assert.deepEqual(rows[0], ['#', 'score', 'path', 'kind', 'symbol']);
    assert.deepEqual(
      rows.slice(2),
      json.json.results.map((result: Record<string, unknown>, index: number) => [
        String(index + 1),
        String(result.score),
        `${result.path}:${result.start_line}-${result.end_line}`,
        result.kind,
        result.symbol ?? '',
      ]),
    );
  });

  it('scan-project and index-project --format text: the counts of the JSON', async () => {
    const [scan, scanText] = await Promise.all([cli('scan-project'), cli('scan-project', '--format', 'text')]);
    assert.equal(scanText.exitCode, 0, scanText.stderr);
    assert.match(scanText.stdout, new RegExp(`^files to index: ${scan.json.totals.files} \\(`, 'm'));
    for (const [language, count] of Object.entries(scan.json.totals.by_language))
      assert.match(scanText.stdout, new RegExp(`^${language} +${count}$`, 'm'));
    const refreshed = await cli('refresh-changed-files', '--format', 'text');
    assert.equal(refreshed.exitCode, 0, refreshed.stderr);
    assert.match(
      refreshed.stdout,
      new RegExp(`^files: 0 added, 0 changed, 0 deleted, ${scan.json.totals.files} unchanged$`, 'm'),
    );
  });

  it('metrics-report --format markdown: each provider/model row with its spend in real digits', async () => {
    const args = ['metrics-report', '--window', '7d'];
    const [json, markdown] = await Promise.all([cli(...args), cli(...args, '--format', 'markdown')]);
    assert.equal(markdown.exitCode, 0, markdown.stderr);
    assert.ok(json.json.by_provider_model.length > 0);
    assert.match(markdown.stdout, /^## By provider and model$/m);
    const rows = markdown.stdout.split('\n').map(markdownCells);
    for (const model of json.json.by_provider_model) {
      const row = rows.find((cells) => cells?.[0] === model.provider && cells?.[1] === model.model);
      assert.ok(row, `${model.provider}/${model.model}`);
      assert.deepEqual(row.slice(2), [
        String(model.calls),
        String(model.failed_calls),
        String(model.provider_tokens.input),
        String(model.provider_tokens.output),
        formatUsd(model.spend_usd),
        formatUsd(model.unreported_spend_usd),
      ]);
    }
    assert.ok(markdown.stdout.includes(`Spend: ${formatUsd(json.json.spend_usd)} provider-reported`));
  });

  it('usage-ledger-report --format text: one aligned line per call; csv stays csv', async () => {
    const args = ['usage-ledger-report', '--window', '7d'];
    const [json, text, csv] = await Promise.all([
      cli(...args),
      cli(...args, '--format', 'text'),
      cli(...args, '--format', 'csv'),
    ]);
    assert.equal(text.exitCode, 0, text.stderr);
    const calls = json.json.calls as Array<{ run_id: string; cost_usd: number | null; input_tokens: number }>;
    const lines = text.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `${json.json.window.label}: ${calls.length} calls`);
    const table = lines.slice(2);
    assert.equal(table.length, calls.length + 1);
    // Aligned: the run id column starts at the same offset on every line.
    const runIdAt = table[0]!.indexOf('run id');
    calls.forEach((call, index) => {
      const line = table[index + 1]!;
      assert.equal(line.slice(runIdAt), call.run_id);
      if (call.cost_usd !== null) assert.ok(line.includes(formatUsd(call.cost_usd)), line);
    });
    assert.equal(csv.exitCode, 0, csv.stderr);
    assert.equal(csv.stdout.trimEnd().split('\n').length, calls.length + 1);
    const all = await cli(...args, '--all', '--format', 'text');
    assert.equal(all.exitCode, 2);
    assert.match(all.stderr, /^codecontext: error: --all writes json or csv$/m);
  });

  it('auto-start-request --format markdown (goal on stdin): route, context and estimate as the JSON has them', async () => {
    const goal = 'explain how stock reservation works and why it might fail';
    const [json, markdown] = await Promise.all([
      runCli(['auto-start-request', '--root', FIXTURE, '--data-dir', dataDir, '--goal', goal], { env }),
      runCli(['auto-start-request', '--root', FIXTURE, '--data-dir', dataDir, '--goal', '-', '--format', 'markdown'], {
        env,
        input: goal,
      }),
    ]);
    assert.equal(markdown.exitCode, json.exitCode, markdown.stderr);
    const field = (label: string): string | undefined =>
      markdown.stdout.match(new RegExp(`^- \\*\\*${label}\\*\\*: (.*)$`, 'm'))?.[1];
    assert.equal(field('status'), json.json.status);
    assert.equal(field('why'), json.json.class_reason);
    const { context, cost_estimate: estimate } = json.json;
    assert.ok(context, 'an external route packs context');
    assert.ok(field('context')?.startsWith(`${context.tokens_used.toLocaleString('en-US')} of `), field('context'));
    if (estimate?.max_cost_usd != null)
      assert.equal(
        field('estimate'),
        `at most ${formatUsd(estimate.max_cost_usd)} (cap ${formatUsd(estimate.cap_usd)})`,
      );
  });

  it('--format bogus is a usage error naming the formats; piped without --format is json', async () => {
    const bogus = await cli('search-project', '--query', 'tax', '--format', 'bogus');
    assert.equal(bogus.exitCode, 2);
    assert.match(bogus.stderr, /expected one of json, text, markdown/);
    assert.equal(bogus.stdout.includes('"kind":"usage"'), true);
    const piped = await cli('search-project', '--query', 'tax');
    assert.ok(Array.isArray(piped.json.results), 'json when piped');
  });
});
