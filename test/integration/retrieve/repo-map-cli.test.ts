import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { TokenCounter } from '../../../src/pack/token-counter.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

describe('repo-map (spawned binary)', () => {
  const dataDir = makeTempDir('codecontext-data-');
  const base = ['--root', FIXTURE, '--data-dir', dataDir];
  before(async () => {
    const indexed = await runCli(['index-project', ...base]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
  });

  it('prints the map as JSON when piped, as the map itself with --format text, and as markdown', async () => {
    const json = await runCli(['repo-map', ...base, '--token-budget', '150', '--encoding', 'cl100k_base']);
    assert.equal(json.exitCode, 0, json.stderr);
    assert.equal(json.json.budget, 150);
    assert.ok(json.json.tokens <= 150 && json.json.tokens > 0);
    assert.equal(json.json.tokens, new TokenCounter('cl100k_base').count(json.json.text));
    assert.ok(json.json.entries.length > 0);
    for (const entry of json.json.entries) assert.ok(json.json.text.includes(`${entry.path}\n`), entry.path);

    const text = await runCli([
      'repo-map',
      ...base,
      '--token-budget',
      '150',
      '--encoding',
      'cl100k_base',
      '--format',
      'text',
    ]);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.equal(text.stdout, json.json.text);

    const markdown = await runCli(['repo-map', ...base, '--token-budget', '150', '--format', 'markdown']);
    assert.equal(markdown.exitCode, 0, markdown.stderr);
    assert.match(markdown.stdout, /^# Repository map\n/);
  });

  it('a root without an index exits 2 with one line on stderr', async () => {
    const result = await runCli(['repo-map', '--root', makeTempDir(), '--data-dir', makeTempDir()]);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /no index at/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });
});
