import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K, MAX_TOP_N } from '../../../src/shared/input-limits.js';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const KEY = 'sk-proj-SENTINEL0a1b2c3d4e5f6g7h8i9j0kMCP';
const TOOLS = [
  'index_project',
  'metrics_report',
  'prepare_context_pack',
  'refresh_changed_files',
  'repo_map',
  'route_or_run',
  'sales_summary',
  'search_project',
  'usage_ledger',
];

type ToolReply = {
  content: Array<{ type: string; text: string }>;
  structuredContent?: Record<string, any>;
  isError?: boolean;
};

/** Timings differ between two runs of the same call; everything else must be identical. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !/(_ms|elapsed|latency)/.test(key))
        .map(([key, inner]) => [key, withoutTimings(inner)]),
    );
  }
  return value;
}

describe('codecontext mcp (the SDK client over stdio, against the real CLI as a child process)', () => {
  const fake = new FakeProvider({ expectKey: KEY, outputTokens: 30 });
  const root = makeTempDir('codecontext-mcp-');
  const dataDir = makeTempDir('codecontext-mcp-data-');
  const configFile = path.join(makeTempDir('codecontext-mcp-config-'), 'codecontext.toml');
  const transportErrors: Error[] = [];
  const stderr = new PassThrough();
  let stderrText = '';
  let client: Client;
  let transport: StdioClientTransport;
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolReply> =>
    (await client.callTool({ name, arguments: args })) as ToolReply;
  const cli = (...args: string[]) =>
    runCli(['--root', root, '--data-dir', dataDir, '--config', configFile, ...args], {
      env: { CODECONTEXT_FAKE_KEY: KEY },
    });

  before(async () => {
    await fake.start();
    cpSync(path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), root, { recursive: true });
    writeFileSync(
      configFile,
      `
[llm_client]
enabled = true
provider = "openai_compatible"
model = "gpt-4o-mini"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "${fake.url}/v1"
max_tokens = 200
`,
    );
    stderr.on('data', (chunk: Buffer) => (stderrText += chunk.toString()));
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        path.join(PROJECT_ROOT, 'bin', 'codecontext.js'),
        'mcp',
        '--root',
        root,
        '--data-dir',
        dataDir,
        '--config',
        configFile,
      ],
      env: { ...getDefaultEnvironment(), CODECONTEXT_FAKE_KEY: KEY, CODECONTEXT_ENABLE_EMBEDDINGS: 'false' },
      stderr: 'pipe',
    });
    transport.stderr?.pipe(stderr);
    client = new Client({ name: 'codecontext-test', version: '1.0.0' });
    client.onerror = (error) => transportErrors.push(error);
    await client.connect(transport);
  });

  after(async () => {
    await client.close();
    await fake.stop();
  });

  it('initializes, names itself and tells the agent which tool to use when', () => {
    assert.equal(client.getServerVersion()?.name, 'codecontext');
    assert.ok(client.getServerCapabilities()?.tools);
    const instructions = client.getInstructions() ?? '';
    for (const tool of TOOLS) assert.ok(instructions.includes(tool), `the instructions name ${tool}`);
    assert.match(instructions, /SPENDS MONEY/);
    assert.match(instructions, /token_budget/);
    assert.doesNotMatch(instructions, /apply_patch/, 'no patch tools without --allow-patches');
  });

  it('lists its tools (no patch tools without --allow-patches), each argument described', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOLS);
    for (const tool of tools) {
      assert.ok(tool.description && tool.description.length > 40, `${tool.name} has a description`);
      for (const [name, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        assert.ok((schema as { description?: string }).description, `${tool.name}.${name} is described`);
      }
    }
    const search = tools.find((tool) => tool.name === 'search_project')!;
    assert.deepEqual(search.inputSchema.required, ['query']);
  });

  it('index_project indexes the repository; refresh_changed_files then sees only a new file', async () => {
    const indexed = await call('index_project', { embeddings: false });
    assert.equal(indexed.isError, undefined, indexed.content[0]?.text);
    assert.ok(indexed.structuredContent!.files >= 5);
    assert.deepEqual(
      JSON.parse(indexed.content[0]!.text),
      indexed.structuredContent,
      'text and structured content agree',
    );

    writeFileSync(
      path.join(root, 'inventory', 'audit_log.py'),
      'def record_audit(event):\n    return {"event": event}\n',
    );
    const refreshed = await call('refresh_changed_files', {});
    assert.equal(refreshed.isError, undefined, refreshed.content[0]?.text);
    assert.deepEqual(refreshed.structuredContent!.paths, {
      added: ['inventory/audit_log.py'],
      changed: [],
      deleted: [],
    });
  });

  it("search_project returns the CLI's JSON; prepare_context_pack the CLI's context as plain text", async () => {
    const viaMcp = await call('search_project', { query: 'reserve stock for an order', top_k: 5 });
    const viaCli = await cli('search-project', '--query', 'reserve stock for an order', '--top-k', '5');
    assert.equal(viaCli.exitCode, 0, viaCli.stderr);
    assert.ok(viaMcp.structuredContent!.results.length > 0);
    assert.deepEqual(viaMcp.structuredContent, viaCli.json);

    const pack = await call('prepare_context_pack', {
      goal: 'checkout fails with InsufficientStock',
      token_budget: 1500,
    });
    const packCli = await cli(
      'prepare-context-pack',
      '--goal',
      'checkout fails with InsufficientStock',
      '--token-budget',
      '1500',
    );
    assert.equal(pack.isError, undefined, pack.content[0]?.text);
    assert.equal(packCli.exitCode, 0, packCli.stderr);
    const { context, ...metadata } = packCli.json;
    assert.ok(context.includes('InsufficientStock'), 'the pack holds the code the goal names');
    assert.equal(pack.content.length, 2, 'the context, then its metadata');
    assert.equal(pack.content[0]!.text, context, 'the context as plain text, not JSON-escaped');
    assert.deepEqual(withoutTimings(JSON.parse(pack.content[1]!.text)), withoutTimings(metadata));
    assert.equal(pack.structuredContent, undefined, 'clients would show structured content instead of the text');
  });

  it('route_or_run calls the provider (fake on 127.0.0.1) and sales_summary reads the ledger it wrote', async () => {
    const before = fake.requests.length;
    const ran = await call('route_or_run', {
      prompt: 'why does checkout fail with InsufficientStock when stock is available?',
      token_budget: 1200,
    });
    assert.equal(ran.isError, undefined, ran.content[0]?.text);
    // The answer as plain text, then the run's JSON without the answer and the context it sent (chunks listed).
    assert.equal(ran.content[0]!.text, 'fake answer');
    const run = JSON.parse(ran.content[1]!.text);
    assert.equal(run.chosen_route, 'external');
    assert.equal(run.dry_run, false);
    assert.equal(run.answer, undefined);
    assert.equal(run.context.context, undefined);
    assert.ok(run.context.chunks.length > 0);
    assert.equal(run.usage.output_tokens, 30, 'the provider-reported usage');
    assert.equal(fake.requests.length, before + 1);
    assert.ok(!ran.content.some((block) => block.text.includes(KEY)), 'the key never appears in a result');

    const planned = await call('route_or_run', {
      prompt: 'why does checkout fail with InsufficientStock when stock is available?',
      route_only: true,
    });
    assert.equal(planned.isError, undefined, planned.content[0]?.text);
    assert.equal(fake.requests.length, before + 1, 'route_only makes no call');

    const summary = await call('sales_summary', { window: 'all' });
    assert.equal(summary.isError, undefined, summary.content[0]?.text);
    const cliSummary = await cli('sales-summary', '--window', 'all');
    // The window ends "now", which differs between the two processes; every figure must not.
    const figures = (value: Record<string, unknown>) => ({
      ...value,
      window: { ...(value.window as object), end: null },
    });
    assert.deepEqual(figures(summary.structuredContent!), figures(cliSummary.json));
    assert.equal(summary.structuredContent!.answered, 1);
    assert.equal(summary.structuredContent!.external, 1);

    // The agent sent the route-only payload itself: its reply is recorded against that run, which then completes.
    const replyFile = path.join(root, 'reply.json');
    writeFileSync(
      replyFile,
      JSON.stringify({ choices: [{ message: { content: 'ok' } }], usage: { prompt_tokens: 9, completion_tokens: 1 } }),
    );
    const recorded = await cli(
      'handle-remote-response',
      '--response-file',
      replyFile,
      '--run-id',
      planned.structuredContent!.run_id as string,
    );
    assert.equal(recorded.exitCode, 0, recorded.stderr);
    assert.equal(recorded.json.usage_source, 'provider');
  });

  it("repo_map and a styled pack return the CLI's text as plain text, figures beside it", async () => {
    const map = await call('repo_map', { token_budget: 300 });
    assert.equal(map.isError, undefined, map.content[0]?.text);
    const mapCli = await cli('repo-map', '--token-budget', '300', '--format', 'json');
    assert.equal(mapCli.exitCode, 0, mapCli.stderr);
    const { text, ...figures } = mapCli.json;
    assert.ok(text.includes('inventory/'), "the map names the fixture's files");
    assert.equal(map.content[0]!.text, text);
    assert.deepEqual(JSON.parse(map.content[1]!.text), figures);
    assert.ok(figures.tokens <= 300);

    const xml = await call('prepare_context_pack', { goal: 'reserve stock', token_budget: 800, style: 'xml' });
    const xmlCli = await cli(
      'prepare-context-pack',
      '--goal',
      'reserve stock',
      '--token-budget',
      '800',
      '--style',
      'xml',
    );
    assert.equal(xmlCli.exitCode, 0, xmlCli.stderr);
    assert.equal(xml.content[0]!.text, xmlCli.json.context);
  });

  it('metrics_report and usage_ledger return what the CLI reports, the ledger paged the same way', async () => {
    // The test before left two calls in the ledger: the external one and the route-only one recorded after it.
    const figures = (value: Record<string, unknown>) => ({
      ...value,
      window: { ...(value.window as object), end: null },
    });
    const metrics = await call('metrics_report', { window: 'all', top_n: 3 });
    assert.equal(metrics.isError, undefined, metrics.content[0]?.text);
    const metricsCli = await cli('metrics-report', '--window', 'all', '--top-n', '3');
    assert.equal(metricsCli.exitCode, 0, metricsCli.stderr);
    assert.deepEqual(figures(metrics.structuredContent!), figures(metricsCli.json));

    const first = await call('usage_ledger', { limit: 1 });
    assert.equal(first.isError, undefined, first.content[0]?.text);
    const firstCli = await cli('usage-ledger-report', '--limit', '1');
    assert.equal(first.structuredContent!.window.label, '30-day window', 'the same default window as the CLI');
    // Both windows end "now" (and start 30 days before it), which differs between the two processes.
    const page = (value: Record<string, unknown>) => ({ ...value, window: null });
    assert.deepEqual(page(first.structuredContent!), page(firstCli.json));
    assert.equal(first.structuredContent!.calls.length, 1);
    assert.ok(first.structuredContent!.next_cursor, 'an older page exists');
    const older = await call('usage_ledger', { limit: 1, before: first.structuredContent!.next_cursor });
    const olderCli = await cli('usage-ledger-report', '--limit', '1', '--before', first.structuredContent!.next_cursor);
    assert.deepEqual(page(older.structuredContent!), page(olderCli.json));
    assert.ok(older.structuredContent!.calls[0].call_id < first.structuredContent!.calls[0].call_id);

    const tooMany = await call('usage_ledger', { limit: 1, before: 'not a cursor' });
    assert.equal(tooMany.isError, true);
    assert.match(JSON.parse(tooMany.content[0]!.text).error, /next_cursor/);
  });

  it('bad arguments and failing calls come back as tool errors, and the server keeps serving', async () => {
    const wrongType = await call('search_project', { query: 5 });
    assert.equal(wrongType.isError, true);
    assert.match(wrongType.content[0]!.text, /query/);
    const outOfRange = await call('prepare_context_pack', { goal: 'x', token_budget: 0 });
    assert.equal(outOfRange.isError, true);
    const missing = await call('search_project', {});
    assert.equal(missing.isError, true);

    // One limit, one place: the tools refuse what the CLI and the HTTP API refuse (src/shared/input-limits.ts).
    const overLimit: Array<[tool: string, args: Record<string, unknown>, field: string]> = [
      ['search_project', { query: 'x', top_k: MAX_TOP_K + 1 }, 'top_k'],
      ['prepare_context_pack', { goal: 'x', top_k: MAX_TOP_K + 1 }, 'top_k'],
      ['prepare_context_pack', { goal: 'x', token_budget: MAX_TOKEN_BUDGET + 1 }, 'token_budget'],
      ['route_or_run', { prompt: 'x', route_only: true, token_budget: MAX_TOKEN_BUDGET + 1 }, 'token_budget'],
      ['repo_map', { token_budget: MAX_TOKEN_BUDGET + 1 }, 'token_budget'],
      ['metrics_report', { top_n: MAX_TOP_N + 1 }, 'top_n'],
      ['usage_ledger', { window: '2w' }, 'window'],
    ];
    for (const [tool, args, field] of overLimit) {
      const refused = await call(tool, args);
      assert.equal(refused.isError, true, `${tool} ${JSON.stringify(args)}`);
      assert.match(refused.content[0]!.text, new RegExp(field), `${tool} names ${field}`);
    }

    const badWindow = await call('sales_summary', { since: 'not a date' });
    assert.equal(badWindow.isError, true);
    const body = JSON.parse(badWindow.content[0]!.text);
    assert.equal(body.kind, 'usage', 'the CLI error object, kind included');
    assert.match(body.error, /not a date/);

    const stillServing = await call('search_project', { query: 'stock' });
    assert.equal(stillServing.isError, undefined);
  });

  it('wrote nothing but protocol messages on stdout', () => {
    assert.deepEqual(
      transportErrors,
      [],
      `transport errors: ${transportErrors.map((error) => error.message).join('; ')}\nstderr: ${stderrText}`,
    );
    assert.ok(!stderrText.includes(KEY));
  });
});

describe('codecontext mcp start-up errors', () => {
  it('a broken config exits 2 with one line on stderr and nothing on stdout', async () => {
    const configFile = path.join(makeTempDir(), 'bad.toml');
    writeFileSync(configFile, 'default_top_k = "many"\n');
    const result = await runCli(['mcp', '--root', makeTempDir(), '--config', configFile]);
    assert.equal(result.exitCode, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^codecontext: error: .*default_top_k/m);
  });
});
