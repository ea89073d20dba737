import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AppConfig } from '../../../src/config/app-config.js';
import { localWorkspace } from '../../../src/operations/local-workspace.js';
import { OPERATIONS } from '../../../src/operations/operations.js';
import { parseInput } from '../../../src/operations/parse-input.js';
import { searchProjectOperation } from '../../../src/operations/retrieve-operations.js';
import { toolNameOf } from '../../../src/operations/operation.js';
import { MAX_TOP_K, MAX_TOP_N } from '../../../src/shared/input-limits.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

function send(url: string, method: string, pathname: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const outgoing = httpRequest(new URL(pathname, url), { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) }));
    });
    outgoing.on('error', reject);
    if (body !== undefined) outgoing.write(JSON.stringify(body));
    outgoing.end();
  });
}

/**
 * One declaration per operation: the same bad value is refused with the same words on the command line, over HTTP
 * and as an MCP tool call — each surface naming the field its own way — and each surface offers the same fields.
 */
describe('one declaration per operation, three surfaces (spawned CLI, serve-api, codecontext mcp)', () => {
  const dataDir = makeTempDir('codecontext-operations-');
  const base = ['--root', FIXTURE, '--data-dir', dataDir];
  let served: ServedGateway;
  let client: Client;

  before(async () => {
    const indexed = await runCli([...base, 'index-project', '--no-embeddings']);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
    served = await serveApi([...base, '--no-watch']);
    client = new Client({ name: 'codecontext-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(PROJECT_ROOT, 'bin', 'codecontext.js'), 'mcp', ...base, '--no-watch'],
        env: { ...getDefaultEnvironment(), CODECONTEXT_ENABLE_EMBEDDINGS: 'false' },
        stderr: 'ignore',
      }),
    );
  });

  after(async () => {
    await client.close();
    served.child.kill('SIGTERM');
  });

  // [CLI command and its arguments, HTTP method and path with the input, MCP tool and arguments, the words]
  const cases: Array<{
    what: string;
    cli: string[];
    cliField: string;
    http: [method: string, pathname: string, body?: unknown];
    mcp: [tool: string, args: Record<string, unknown>];
    field: string;
    words: RegExp;
  }> = [
    {
      what: 'top_k over the shared limit',
      cli: ['search-project', '--query', 'stock', '--top-k', String(MAX_TOP_K + 1)],
      cliField: '--top-k',
      http: ['POST', '/search', { query: 'stock', top_k: MAX_TOP_K + 1 }],
      mcp: ['search_project', { query: 'stock', top_k: MAX_TOP_K + 1 }],
      field: 'top_k',
      words: new RegExp(`must be an integer from 1 to ${MAX_TOP_K}`),
    },
    {
      what: 'top_n that is not a whole number',
      cli: ['metrics-report', '--top-n', '2.5'],
      cliField: '--top-n',
      http: ['GET', '/metrics-report?top_n=2.5'],
      mcp: ['metrics_report', { top_n: 2.5 }],
      field: 'top_n',
      words: new RegExp(`must be an integer from 1 to ${MAX_TOP_N}`),
    },
    {
      what: 'a window form nobody knows',
      cli: ['sales-summary', '--window', '2w'],
      cliField: '--window',
      http: ['GET', '/sales-summary?window=2w'],
      mcp: ['sales_summary', { window: '2w' }],
      field: 'window',
      words: /2w: expected one of 24h, 7d, 30d, all/,
    },
    {
      // The MCP tool had this limit alone before: a session id is an id, not a document.
      what: 'a session id of 201 characters',
      cli: ['route-request', '--goal', 'explain checkout', '--session', 's'.repeat(201)],
      cliField: '--session',
      http: ['POST', '/route-or-run', { prompt: 'explain checkout', session: 's'.repeat(201) }],
      mcp: ['route_or_run', { prompt: 'explain checkout', route_only: true, session: 's'.repeat(201) }],
      field: 'session',
      words: /must be at most 200 characters/,
    },
  ];

  for (const check of cases) {
    it(`${check.what}: the same words everywhere, the field named as each surface names it`, async () => {
      const cli = await runCli([...base, ...check.cli]);
      assert.equal(cli.exitCode, 2, cli.stderr);
      assert.match(cli.stderr, new RegExp(`^codecontext: error: ${check.cliField} ${check.words.source}`, 'm'));

      const [method, pathname, body] = check.http;
      const http = await send(served.url, method, pathname, body);
      assert.equal(http.status, 400, JSON.stringify(http.json));
      assert.match(http.json.error.message, new RegExp(`^${check.field} ${check.words.source}`));
      assert.equal(http.json.field, check.field);

      const [tool, args] = check.mcp;
      const mcp = (await client.callTool({ name: tool, arguments: args })) as {
        isError?: boolean;
        content: Array<{ text: string }>;
      };
      assert.equal(mcp.isError, true);
      assert.match(mcp.content[0]!.text, check.words);
      assert.match(mcp.content[0]!.text, new RegExp(check.field));
    });
  }

  it('each MCP tool publishes exactly its operation’s fields, and each CLI command offers them as flags', async () => {
    const { tools } = await client.listTools();
    for (const operation of OPERATIONS.filter((candidate) => candidate.mcp && !candidate.mcp.writesFiles)) {
      const tool = tools.find((candidate) => candidate.name === toolNameOf(operation));
      assert.ok(tool, `tool ${toolNameOf(operation)}`);
      assert.deepEqual(Object.keys(tool.inputSchema.properties ?? {}).sort(), Object.keys(operation.input).sort());
    }
    const help = await runCli(['prepare-context-pack', '--help']);
    for (const flag of ['--goal', '--goal-file', '--top-k', '--token-budget', '--encoding', '--style'])
      assert.match(help.stdout, new RegExp(`^\\s+${flag} `, 'm'), flag);
  });

  it('a library caller runs the same operation: parseInput, localWorkspace, run — the CLI’s results', async () => {
    const config = AppConfig.load(FIXTURE, { flags: { data_dir: dataDir } });
    const input = parseInput(searchProjectOperation, { query: 'reserve stock', top_k: 3 });
    const fromCode = await searchProjectOperation.run(localWorkspace(config), input);
    const fromCli = await runCli([...base, 'search-project', '--query', 'reserve stock', '--top-k', '3']);
    assert.equal(fromCli.exitCode, 0, fromCli.stderr);
    assert.deepEqual(fromCode, fromCli.json);
    assert.equal(fromCode.results.length, 3);
  });

  it('HTTP takes what the other surfaces take: the flat route-or-run body and the one it took first', async () => {
    const flat = await send(served.url, 'POST', '/route-or-run', { prompt: 'explain checkout', route_only: true });
    assert.equal(flat.status, 200, JSON.stringify(flat.json));
    assert.equal(flat.json.status, 'pending');
    const nested = await send(served.url, 'POST', '/route-or-run', {
      prompt: 'explain checkout',
      options: { top_k: MAX_TOP_K + 1 },
    });
    assert.equal(nested.status, 400);
    assert.match(nested.json.error.message, /^top_k must be an integer/);
    const map = await send(served.url, 'GET', '/repo-map?token_budget=200');
    assert.equal(map.status, 200);
    assert.ok(map.json.tokens <= 200 && map.json.text.length > 0);
  });
});
