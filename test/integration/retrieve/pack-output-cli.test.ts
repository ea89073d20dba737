import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

describe('prepare-context-pack --style, -o and --format (spawned binary)', () => {
  const dataDir = makeTempDir('codecontext-data-');
  const base = ['--root', FIXTURE, '--data-dir', dataDir];
  const goal = ['--goal', 'apply a discount to a price', '--encoding', 'cl100k_base'];
  before(async () => {
    const indexed = await runCli(['index-project', ...base]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
  });

  it('-o writes the context to the file and prints the metadata without it', async () => {
    const whole = await runCli(['prepare-context-pack', ...base, ...goal, '--style', 'xml']);
    assert.equal(whole.exitCode, 0, whole.stderr);
    assert.match(whole.json.context, /^<context>\n<chunk path="inventory\/pricing\.py"/);
    const directory = makeTempDir();
    const file = path.join(directory, 'context.xml');
    writeFileSync(file, 'an older context\n');
    const written = await runCli(['prepare-context-pack', ...base, ...goal, '--style', 'xml', '-o', file]);
    assert.equal(written.exitCode, 0, written.stderr);
    assert.equal(readFileSync(file, 'utf8'), whole.json.context);
    assert.equal(written.json.context, undefined);
    assert.equal(written.json.output, file);
    assert.equal(written.json.tokens_used, whole.json.tokens_used);
    assert.deepEqual(written.json.chunks, whole.json.chunks);
    assert.deepEqual(readdirSync(directory), ['context.xml'], 'no temp file is left beside it');

    const text = await runCli(['prepare-context-pack', ...base, ...goal, '-o', file, '--format', 'text']);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^wrote \\d+ of \\d+ tokens \\(\\d+ blocks\\) to ${file}\n$`));
  });

  it('-o naming a directory or a missing directory exits 2 with one line, writing nothing', async () => {
    const directory = makeTempDir();
    for (const target of [directory, path.join(directory, 'missing', 'context.md')]) {
      const result = await runCli(['prepare-context-pack', ...base, ...goal, '-o', target]);
      assert.equal(result.exitCode, 2, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /--output/);
    }
    assert.deepEqual(readdirSync(directory), []);
  });

  it('--format text prints the context itself; --format markdown fences a non-markdown style', async () => {
    const json = await runCli(['prepare-context-pack', ...base, ...goal, '--style', 'plain']);
    const text = await runCli(['prepare-context-pack', ...base, ...goal, '--style', 'plain', '--format', 'text']);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.equal(text.stdout, json.json.context.endsWith('\n') ? json.json.context : `${json.json.context}\n`);
    const markdown = await runCli([
      'prepare-context-pack',
      ...base,
      ...goal,
      '--style',
      'plain',
      '--format',
      'markdown',
    ]);
    assert.equal(markdown.stdout, `\`\`\`text\n${json.json.context}\`\`\`\n`);
    const bad = await runCli(['prepare-context-pack', ...base, ...goal, '--style', 'html']);
    assert.equal(bad.exitCode, 2);
  });
});
