import assert from 'node:assert/strict';
import { appendFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { git } from '../../helpers/git.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/**
 * The index is brought up to date by whatever reads it: a function added to a file is found by the very next CLI
 * search and pack, MCP call and gateway request; a deleted file disappears; --no-refresh keeps the old answer.
 * Each step adds a function with a name made of words nothing else in the tree has, so a hit can only be it.
 */
interface Hit {
  path: string;
  symbol: string | null;
}

function makeRepo(): { root: string; dataDir: string } {
  const root = makeTempDir('codecontext-stale-');
  writeTree(root, {
    'shop/cart.py': 'def add_item(cart, item):\n    cart.append(item)\n    return cart\n',
    'shop/prices.py': 'def total_price(items):\n    return sum(item.price for item in items)\n',
    'shop/legacy.py': 'def walrus_legacy_exporter():\n    return "csv"\n',
  });
  git(root, ['init', '-q']);
  return { root, dataDir: makeTempDir('codecontext-stale-data-') };
}

function addFunction(root: string, file: string, name: string): void {
  appendFileSync(path.join(root, file), `\n\ndef ${name}(order):\n    return order.id\n`);
}

const symbols = (results: Hit[]): Array<string | null> => results.map((hit) => hit.symbol);

describe('a stale index is refreshed by its readers', () => {
  describe('CLI', () => {
    const { root, dataDir } = makeRepo();
    const cli = (...args: string[]) => runCli(['--root', root, '--data-dir', dataDir, ...args]);
    const search = async (query: string, ...flags: string[]): Promise<Hit[]> => {
      const result = await cli(...flags, 'search-project', '--query', query);
      assert.equal(result.exitCode, 0, result.stderr);
      return result.json.results as Hit[];
    };

    before(async () => {
      const indexed = await cli('index-project');
      assert.equal(indexed.exitCode, 0, indexed.stderr);
    });

    it('search-project finds a function added since the index', async () => {
      addFunction(root, 'shop/cart.py', 'pelican_refund_ledger');
      const results = await search('pelican_refund_ledger');
      assert.deepEqual(results[0], { ...results[0], path: 'shop/cart.py', symbol: 'pelican_refund_ledger' });
    });

    it('prepare-context-pack contains a function added since the last command', async () => {
      addFunction(root, 'shop/prices.py', 'ocelot_discount_window');
      const pack = await cli('prepare-context-pack', '--goal', 'where is ocelot_discount_window defined');
      assert.equal(pack.exitCode, 0, pack.stderr);
      assert.match(pack.json.context, /def ocelot_discount_window\(order\)/);
    });

    it('a new file in a new directory is found, a deleted file is gone', async () => {
      writeTree(root, { 'shop/returns/policy.py': 'def narwhal_return_policy():\n    return 30\n' });
      assert.deepEqual(symbols(await search('narwhal_return_policy')).slice(0, 1), ['narwhal_return_policy']);
      unlinkSync(path.join(root, 'shop/legacy.py'));
      const results = await search('walrus_legacy_exporter');
      assert.ok(!results.some((hit) => hit.path === 'shop/legacy.py'), JSON.stringify(results));
    });

    it('--no-refresh (and refresh_on_read = false) answer from the index as it is', async () => {
      addFunction(root, 'shop/cart.py', 'heron_invoice_splitter');
      assert.deepEqual(await search('heron_invoice_splitter', '--no-refresh'), []);
      const configFile = path.join(makeTempDir(), 'codecontext.toml');
      writeFileSync(configFile, 'refresh_on_read = false\n');
      assert.deepEqual(await search('heron_invoice_splitter', '--config', configFile), []);
      assert.deepEqual(symbols(await search('heron_invoice_splitter')).slice(0, 1), ['heron_invoice_splitter']);
    });
  });

  describe('MCP (official SDK client over stdio, watched tree)', () => {
    const { root, dataDir } = makeRepo();
    let client: Client;
    const searchTool = async (query: string): Promise<Hit[]> => {
      const reply = (await client.callTool({ name: 'search_project', arguments: { query } })) as {
        isError?: boolean;
        structuredContent?: { results: Hit[] };
        content: Array<{ text: string }>;
      };
      assert.equal(reply.isError, undefined, reply.content[0]?.text);
      return reply.structuredContent!.results;
    };

    before(async () => {
      const indexed = await runCli(['--root', root, '--data-dir', dataDir, 'index-project']);
      assert.equal(indexed.exitCode, 0, indexed.stderr);
      client = new Client({ name: 'codecontext-test', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [path.join(PROJECT_ROOT, 'bin', 'codecontext.js'), 'mcp', '--root', root, '--data-dir', dataDir],
          env: { ...getDefaultEnvironment(), CODECONTEXT_ENABLE_EMBEDDINGS: 'false' },
          stderr: 'ignore',
        }),
      );
    });

    after(async () => {
      await client.close();
    });

    it('the very next search_project after an edit, a new file and a deletion sees each', async () => {
      assert.deepEqual(symbols(await searchTool('add_item')).slice(0, 1), ['add_item']);
      addFunction(root, 'shop/cart.py', 'pelican_refund_ledger');
      assert.deepEqual(symbols(await searchTool('pelican_refund_ledger')).slice(0, 1), ['pelican_refund_ledger']);
      writeTree(root, { 'shop/returns/policy.py': 'def narwhal_return_policy():\n    return 30\n' });
      assert.deepEqual(symbols(await searchTool('narwhal_return_policy')).slice(0, 1), ['narwhal_return_policy']);
      // A file added inside the directory that appeared after the server started is watched too.
      writeTree(root, { 'shop/returns/window.py': 'def ibis_return_window():\n    return 14\n' });
      assert.deepEqual(symbols(await searchTool('ibis_return_window')).slice(0, 1), ['ibis_return_window']);
      unlinkSync(path.join(root, 'shop/legacy.py'));
      const results = await searchTool('walrus_legacy_exporter');
      assert.ok(!results.some((hit) => hit.path === 'shop/legacy.py'), JSON.stringify(results));
    });
  });

  for (const mode of ['watched', '--no-watch'] as const) {
    describe(`gateway (serve-api spawned, ${mode})`, () => {
      const { root, dataDir } = makeRepo();
      let gateway: ServedGateway;
      const post = async (route: string, body: Record<string, unknown>): Promise<any> => {
        const response = await fetch(`${gateway.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = await response.json();
        assert.equal(response.status, 200, JSON.stringify(json));
        return json;
      };

      before(async () => {
        const indexed = await runCli(['--root', root, '--data-dir', dataDir, 'index-project']);
        assert.equal(indexed.exitCode, 0, indexed.stderr);
        gateway = await serveApi(['--root', root, '--data-dir', dataDir, ...(mode === 'watched' ? [] : [mode])]);
      });

      after(() => {
        gateway.child.kill('SIGTERM');
      });

      it('the very next /search, /context-pack and /v1/chat/completions after an edit see it; a deleted file is gone', async () => {
        assert.deepEqual(symbols((await post('/search', { query: 'add_item' })).results).slice(0, 1), ['add_item']);
        addFunction(root, 'shop/cart.py', 'pelican_refund_ledger');
        const found = await post('/search', { query: 'pelican_refund_ledger' });
        assert.deepEqual(symbols(found.results).slice(0, 1), ['pelican_refund_ledger']);
        addFunction(root, 'shop/prices.py', 'ocelot_discount_window');
        const pack = await post('/context-pack', { goal: 'where is ocelot_discount_window defined' });
        assert.match(pack.context, /def ocelot_discount_window\(order\)/);
        // The drop-in endpoint reads the index too: "where is X defined" is answered from it, no provider called.
        addFunction(root, 'shop/cart.py', 'marmot_coupon_checker');
        const answer = await post('/v1/chat/completions', {
          model: 'auto',
          messages: [{ role: 'user', content: 'where is marmot_coupon_checker defined?' }],
        });
        assert.match(answer.choices[0].message.content, /marmot_coupon_checker is defined at: shop\/cart\.py:\d+/);
        unlinkSync(path.join(root, 'shop/legacy.py'));
        const gone = await post('/search', { query: 'walrus_legacy_exporter' });
        assert.ok(!(gone.results as Hit[]).some((hit) => hit.path === 'shop/legacy.py'), JSON.stringify(gone));
      });
    });
  }
});
