import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

type ToolReply = {
  content: Array<{ type: string; text: string }>;
  structuredContent?: Record<string, any>;
  isError?: boolean;
};

/** The official SDK client over stdio against `codecontext mcp …` spawned as an editor would. */
async function connect(args: string[]): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(PROJECT_ROOT, 'bin', 'codecontext.js'), 'mcp', ...args],
    env: { ...getDefaultEnvironment(), CODECONTEXT_ENABLE_EMBEDDINGS: 'false' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'codecontext-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

// Enough files for several written batches (refreshIndex writes every 100 files or 250 ms).
const FILES = 320;

describe('codecontext mcp --allow-patches on a root nobody indexed yet', () => {
  const root = makeTempDir('codecontext-mcp-first-');
  const dataDir = makeTempDir('codecontext-mcp-first-data-');
  let client: Client;
  let stderr: () => string;
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolReply> =>
    (await client.callTool({ name, arguments: args })) as ToolReply;

  before(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < FILES; i++)
      files[`pkg/module_${i}.py`] = `def handler_${i}(request):\n    return request.get("item_${i}")\n`;
    files['pkg/billing.py'] = 'def compute_invoice_total(lines):\n    return sum(line.amount for line in lines)\n';
    writeTree(root, files);
    ({ client, stderr } = await connect(['--root', root, '--data-dir', dataDir, '--allow-patches']));
  });

  after(() => client.close());

  it('lists the patch tools and says in its instructions that they write files', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes('apply_patch') && names.includes('rollback_patch'), names.join(', '));
    assert.match(client.getInstructions() ?? '', /apply_patch[^\n]*WRITE FILES/);
  });

  it('the first search indexes the root, with a progress notification per written batch', async () => {
    const progress: Progress[] = [];
    const reply = (await client.callTool(
      { name: 'search_project', arguments: { query: 'compute the invoice total', top_k: 3 } },
      undefined,
      { onprogress: (update) => progress.push(update) },
    )) as ToolReply;
    assert.equal(reply.isError, undefined, reply.content[0]?.text);
    assert.equal(reply.structuredContent!.results[0].path, 'pkg/billing.py');
    assert.ok(progress.length > 1, `one notification per batch, got ${progress.length}`);
    for (let i = 1; i < progress.length; i++)
      assert.ok(progress[i]!.progress > progress[i - 1]!.progress, 'progress increases with every notification');
    assert.equal(progress.at(-1)!.progress, FILES + 1);
    assert.equal(progress.at(-1)!.total, FILES + 1);
    assert.match(stderr(), /no index at .* yet: indexing/);
  });

  it('index_project sends one notification per batch too', async () => {
    // Every file changed: the re-index parses them all again, in several batches.
    for (let i = 0; i < FILES; i++)
      writeFileSync(path.join(root, 'pkg', `module_${i}.py`), `def renamed_handler_${i}(request):\n    return None\n`);
    const progress: Progress[] = [];
    const reply = (await client.callTool({ name: 'index_project', arguments: {} }, undefined, {
      onprogress: (update) => progress.push(update),
    })) as ToolReply;
    assert.equal(reply.isError, undefined, reply.content[0]?.text);
    assert.equal(reply.structuredContent!.changes.changed, FILES);
    assert.ok(progress.length > 1, `one notification per batch, got ${progress.length}`);
  });

  it('apply_patch shows a dry run, writes the file, and rollback_patch restores it', async () => {
    const file = path.join(root, 'pkg', 'billing.py');
    const original = readFileSync(file, 'utf8');
    const patch = { path: 'pkg/billing.py', old_text: 'line.amount for', new_text: 'line.amount_due for' };
    const dry = await call('apply_patch', { ...patch, dry_run: true });
    assert.equal(dry.isError, undefined, dry.content[0]?.text);
    assert.match(dry.structuredContent!.diff, /\+    return sum\(line\.amount_due for line in lines\)/);
    assert.equal(readFileSync(file, 'utf8'), original, 'a dry run writes nothing');

    const applied = await call('apply_patch', patch);
    assert.equal(applied.isError, undefined, applied.content[0]?.text);
    assert.equal(readFileSync(file, 'utf8'), original.replace('line.amount', 'line.amount_due'));

    const twice = await call('apply_patch', patch);
    assert.equal(twice.isError, true, 'the old text no longer occurs');

    const rolledBack = await call('rollback_patch', { patch_id: applied.structuredContent!.patch_id });
    assert.equal(rolledBack.isError, undefined, rolledBack.content[0]?.text);
    assert.equal(readFileSync(file, 'utf8'), original);
  });
});

describe('codecontext mcp where the index cannot be built', () => {
  it('the tool error says why and names the index_project tool', async () => {
    const root = makeTempDir('codecontext-mcp-noindex-');
    writeTree(root, { 'app.py': 'def main():\n    return 1\n' });
    // A data directory under a regular file can never be created, whoever runs the test (root ignores modes).
    const blocker = path.join(makeTempDir(), 'not-a-directory');
    writeFileSync(blocker, '');
    const { client } = await connect(['--root', root, '--data-dir', path.join(blocker, 'data')]);
    try {
      const listed = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(!listed.includes('apply_patch'), 'no patch tools without --allow-patches');
      const reply = (await client.callTool({ name: 'search_project', arguments: { query: 'main' } })) as ToolReply;
      assert.equal(reply.isError, true);
      const body = JSON.parse(reply.content[0]!.text);
      assert.match(body.error, /index_project tool/);
      assert.equal(body.tool, 'index_project');
      const stillServing = (await client.callTool({ name: 'sales_summary', arguments: {} })) as ToolReply;
      assert.ok(stillServing.content.length > 0, 'the server keeps serving');
    } finally {
      await client.close();
    }
  });
});
