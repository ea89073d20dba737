import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lookupPrice } from '../../../src/providers/prices.js';
import { formatUsd } from '../../../src/shared/money.js';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const KEY_VARIABLE = 'CC_DOCTOR_TEST_KEY';
// A sentinel: doctor names the variable, and this value must never appear anywhere it prints.
const KEY = 'sk-proj-DOCTORSENTINEL0a1b2c3d4e5f6g7h8';

function configFor(baseUrl: string): string {
  return [
    '[llm_client]',
    'enabled = true',
    'provider = "openai_compatible"',
    'model = "gpt-4o-mini"',
    `api_key_env = "${KEY_VARIABLE}"`,
    `base_url = "${baseUrl}/v1"`,
    'max_tokens = 64',
    '',
  ].join('\n');
}

/** A repository with a config pointing at `baseUrl`, indexed into its own data dir by the real binary. */
async function indexedRepo(baseUrl: string, prefix = 'codecontext-doctor-') {
  const root = makeTempDir(prefix);
  const dataDir = makeTempDir('codecontext-doctor-data-');
  writeTree(root, {
    '.codecontext.toml': configFor(baseUrl),
    'src/billing.py': 'def charge(order):\n    return order.total\n',
  });
  // A temporary home: MCP hosts' files are looked up there, never in the real one.
  const home = makeTempDir('codecontext-doctor-home-');
  const doctor = (env: NodeJS.ProcessEnv = { [KEY_VARIABLE]: KEY }, ...args: string[]) =>
    runCli(['--root', root, '--data-dir', dataDir, 'doctor', ...args], { env: { HOME: home, ...env } });
  // What `install --host cursor` writes, or a user: a server running `codecontext mcp --root <root>`.
  const installCursor = () =>
    writeTree(home, {
      '.cursor/mcp.json': JSON.stringify({
        mcpServers: {
          other: { command: 'other-server', args: [] },
          codecontext: {
            command: process.execPath,
            args: ['/opt/codecontext/bin/codecontext.js', 'mcp', '--root', root],
          },
        },
      }),
    });
  const indexed = await runCli(['--root', root, '--data-dir', dataDir, 'index-project']);
  assert.equal(indexed.exitCode, 0, indexed.stderr);
  return { root, dataDir, home, doctor, installCursor, databasePath: path.join(dataDir, 'codecontext.db') };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function lines(stdout: string): string[] {
  return stdout.trimEnd().split('\n');
}

function lineOf(stdout: string, check: string): string {
  const line = lines(stdout).find((candidate) => candidate.slice(6).startsWith(`${check}:`));
  assert.ok(line, `no ${check} line in:\n${stdout}`);
  return line;
}

describe('codecontext doctor (spawned CLI, temporary repositories)', () => {
  const fake = new FakeProvider({ expectKey: KEY, outputTokens: 1 });
  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.stop();
  });

  it('a healthy repository: every line ok, exit 0, text even when piped; the key is named, never shown', async () => {
    const repo = await indexedRepo(fake.url);
    const noHost = await repo.doctor();
    assert.equal(noHost.exitCode, 0, 'MCP is optional');
    assert.match(
      lineOf(noHost.stdout, 'mcp'),
      /^warn {2}mcp: no MCP host runs codecontext for this repository — fix: codecontext --root \S+ install --host claude-code/,
    );
    repo.installCursor();
    const result = await repo.doctor();
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    assert.equal(
      lineOf(result.stdout, 'mcp'),
      `ok    mcp: installed for cursor (${path.join(repo.home, '.cursor', 'mcp.json')})`,
    );
    for (const line of lines(result.stdout)) assert.match(line, /^ok {4}\S/, line);
    assert.deepEqual(
      lines(result.stdout).map((line) => line.slice(6).split(':')[0]),
      ['config', 'database', 'index', 'embeddings', 'calls', 'provider llm_client', 'mcp'],
    );
    assert.match(lineOf(result.stdout, 'provider llm_client'), new RegExp(`${KEY_VARIABLE} is set`));
    assert.match(lineOf(result.stdout, 'index'), /2 files, \d+ chunks; no file changed/);
    // The README's sample shows the schema a fresh database really has.
    const schema = /integrity ok \(schema \d+\)/.exec(lineOf(result.stdout, 'database'))![0];
    assert.ok(readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8').includes(schema), `README shows ${schema}`);
    assert.equal(result.stderr, '');
    assert.ok(!result.stdout.includes(KEY) && !result.stdout.includes('DOCTORSENTINEL'));
    assert.equal(fake.requests.length, 0, 'without --probe nothing is sent');

    const json = await repo.doctor(undefined, '--format', 'json');
    assert.equal(json.exitCode, 0);
    assert.equal(json.json.healthy, true);
    assert.deepEqual(
      json.json.checks.map((check: { status: string }) => check.status),
      lines(result.stdout).map(() => 'ok'),
    );
    assert.ok(!json.stdout.includes(KEY));
  });

  it('a stale index is a warn while refresh_on_read is on, a fail with its fix when off; a missing key fails', async () => {
    const repo = await indexedRepo(fake.url);
    repo.installCursor();
    writeTree(repo.root, { 'src/refunds.py': 'def refund(order):\n    return -order.total\n' });
    const stale = '1 file changed since the last index run (1 added, 0 changed, 0 deleted: src/refunds.py)';
    const refreshing = await repo.doctor();
    assert.equal(refreshing.exitCode, 0, 'every reader refreshes the index itself: nothing to fix');
    assert.equal(lineOf(refreshing.stdout, 'index'), `warn  index: stale: ${stale}; will refresh on next read`);
    assert.equal(refreshing.stderr, '');

    const off = await repo.doctor(undefined, '--no-refresh');
    assert.equal(off.exitCode, 1);
    assert.match(
      lineOf(off.stdout, 'index'),
      new RegExp(
        `^fail {2}index: stale: ${escapeRegExp(stale)}; refresh_on_read is off, so nothing refreshes it — fix: codecontext --root \\S+ refresh-changed-files \\(or set refresh_on_read = true\\)$`,
      ),
    );
    assert.match(off.stderr, /^codecontext: 1 of 7 checks need fixing\n$/);

    const noKey = await repo.doctor({ [KEY_VARIABLE]: '' });
    assert.equal(noKey.exitCode, 1);
    assert.match(
      lineOf(noKey.stdout, 'provider llm_client'),
      new RegExp(
        `^fail {2}provider llm_client: .*environment variable ${KEY_VARIABLE} is not set — fix: export ${KEY_VARIABLE}=`,
      ),
    );
    assert.ok(!noKey.stdout.includes(KEY) && !noKey.stderr.includes(KEY));
  });

  it('a root with a space: the fix is a command that pastes into a shell as it is', async () => {
    const repo = await indexedRepo(fake.url, "codecontext doctor's root ");
    repo.installCursor();
    writeTree(repo.root, { 'src/refunds.py': 'def refund(order):\n    return -order.total\n' });
    const off = await repo.doctor(undefined, '--no-refresh');
    assert.equal(off.exitCode, 1, off.stdout + off.stderr);
    const fix = lineOf(off.stdout, 'index')
      .split(' — fix: ')[1]!
      .replace(/ \(or set refresh_on_read = true\)$/, '');
    assert.ok(fix.startsWith(`codecontext --root '`), fix);
    // Pasted into sh, with `codecontext` standing for this checkout's binary; the data dir travels in its variable.
    const bin = path.join(PROJECT_ROOT, 'bin', 'codecontext.js');
    execFileSync('sh', ['-c', `codecontext() { "$NODE" "$BIN" "$@"; }; ${fix}`], {
      env: {
        ...process.env,
        NODE: process.execPath,
        BIN: bin,
        CODECONTEXT_DATA_DIR: repo.dataDir,
        CODECONTEXT_ENABLE_EMBEDDINGS: 'false',
      },
      stdio: 'ignore',
    });
    const fixed = await repo.doctor(undefined, '--no-refresh');
    assert.equal(fixed.exitCode, 0, fixed.stdout + fixed.stderr);
    assert.match(lineOf(fixed.stdout, 'index'), /^ok {4}index: 3 files, \d+ chunks; no file changed/);
  });

  it('a corrupt database file fails the database check and is left exactly as it was', async () => {
    const repo = await indexedRepo(fake.url);
    const size = statSync(repo.databasePath).size;
    assert.ok(size > 8192, `database of ${size} bytes`);
    const fd = openSync(repo.databasePath, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096);
    closeSync(fd);
    const before = readFileSync(repo.databasePath);
    const result = await repo.doctor();
    assert.equal(result.exitCode, 1, result.stdout + result.stderr);
    assert.match(lineOf(result.stdout, 'database'), /^fail {2}database: .* — fix: move \S+codecontext\.db aside/);
    assert.ok(readFileSync(repo.databasePath).equals(before), 'doctor never writes to a broken database');
  });

  it('a bad config is a failed check, not a crash: one line, exit 1', async () => {
    const root = makeTempDir('codecontext-doctor-');
    writeTree(root, { '.codecontext.toml': 'max_file_byte = 10\n', 'a.py': 'x = 1\n' });
    const result = await runCli(['--root', root, 'doctor']);
    assert.equal(result.exitCode, 1, result.stderr);
    assert.deepEqual(lines(result.stdout).length, 1);
    assert.match(
      result.stdout,
      /^fail {2}config: max_file_byte: unknown key; did you mean max_file_bytes\? \(from \.codecontext\.toml\) — fix: /,
    );
  });

  it('--probe sends one tiny request through the request path and its provider-reported cost is a ledger row', async () => {
    const repo = await indexedRepo(fake.url);
    const sent = fake.requests.length;
    const result = await repo.doctor(undefined, '--probe');
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    assert.equal(fake.requests.length, sent + 1);
    const received = fake.requests.at(-1)!;
    assert.equal(received.headers.authorization, `Bearer ${KEY}`);
    assert.equal(JSON.parse(received.body).max_tokens, 16);
    const { requests, calls } = readLedger(repo.dataDir);
    const request = requests.find((row) => row.surface === 'doctor-probe');
    assert.ok(request, 'the probe is a request row');
    const call = calls.find((row) => row.request_id === request.id);
    const reported = fake.usageFor(received.body);
    const price = lookupPrice('gpt-4o-mini')!;
    const expected = (reported.input * price.input + 1 * price.output) / 1e6;
    assert.deepEqual(
      [request.status, call.provider, call.input_tokens, call.output_tokens, call.usage_source],
      ['completed', 'llm_client', reported.input, 1, 'provider'],
    );
    assert.ok(Math.abs(call.cost_usd - expected) < 1e-12, `${call.cost_usd} vs ${expected}`);
    assert.match(
      lineOf(result.stdout, 'probe llm_client'),
      new RegExp(
        `^ok {4}probe llm_client: gpt-4o-mini answered in \\d+ ms; \\${formatUsd(request.cost_usd)} provider-reported, \\${formatUsd(request.unreported_cost_usd)} unreported, recorded in the ledger \\(run ${request.run_id}\\)$`,
      ),
    );
    assert.ok(!result.stdout.includes(KEY) && !result.stderr.includes(KEY));
  });
});
