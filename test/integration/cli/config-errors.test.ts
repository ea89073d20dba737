import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TOKEN_BUDGET, MAX_TOP_K, MAX_TOP_N } from '../../../src/shared/input-limits.js';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/** A repository with the given .codecontext.toml, scanned by the real binary. */
async function scanWithConfig(toml: string) {
  const root = makeTempDir();
  writeTree(root, { '.codecontext.toml': toml, 'a.py': 'x = 1\n' });
  return runCli(['scan-project', '--root', root]);
}

function assertOneLineError(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one stderr line, got: ${stderr}`);
}

describe('CLI config and usage errors (spawned binary)', () => {
  it('malformed TOML exits 2 and names the key path', async () => {
    const result = await scanWithConfig('[llm_client]\ntemperature = 0.2.3\n');
    assert.equal(result.exitCode, 2);
    assert.match(
      result.stderr,
      /^codecontext: error: .*\.codecontext\.toml:2:\d+: invalid TOML at llm_client\.temperature: /,
    );
    assertOneLineError(result.stderr);
    assert.equal(result.json.kind, 'config');
    assert.equal(result.json.key, 'llm_client.temperature');
  });

  it('an out-of-range value exits 2 with the key path and the bound', async () => {
    const result = await scanWithConfig('[llm_client]\ntemperature = 7\n');
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /llm_client\.temperature: expected a number between 0 and 2/);
  });

  it('an unknown key exits 2 with a suggestion', async () => {
    const result = await scanWithConfig('max_file_byte = 10\n');
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /max_file_byte: unknown key; did you mean max_file_bytes\?/);
    assertOneLineError(result.stderr);
  });

  it('a literal key in the file exits 2 and the value is never echoed', async () => {
    const secret = 'sk-ant-api03-SentinelDoNotEcho0123456789';
    const result = await scanWithConfig(`[llm_client]\nprovider = "anthropic"\napi_key = "${secret}"\n`);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /llm_client\.api_key: literal secrets are not allowed/);
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
    assert.ok(!result.stdout.includes('SentinelDoNotEcho') && !result.stderr.includes('SentinelDoNotEcho'));
  });

  it('an unknown option exits 2 with one stderr line and a JSON error on stdout', async () => {
    const result = await runCli(['scan-project', '--no-such-flag']);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /unknown option '--no-such-flag'/);
    assert.deepEqual(result.json, { error: "unknown option '--no-such-flag'", kind: 'usage' });
  });

  it('an unknown command and a bad option value exit 2', async () => {
    const unknown = await runCli(['scan-projct']);
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /unknown command 'scan-projct'/);
    const badValue = await runCli(['search-project', '--query', 'x', '--top-k', 'zero']);
    assert.equal(badValue.exitCode, 2);
    assert.match(badValue.stderr, new RegExp(`--top-k must be an integer from 1 to ${MAX_TOP_K}`));
  });

  it('a number over the shared limit is a usage error on every command that takes it (one line, exit 2)', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.py': 'x = 1\n' });
    const cases: Array<[command: string[], flag: string, max: number]> = [
      [['search-project', '--query', 'x'], '--top-k', MAX_TOP_K],
      [['prepare-context-pack', '--goal', 'x'], '--top-k', MAX_TOP_K],
      [['prepare-context-pack', '--goal', 'x'], '--token-budget', MAX_TOKEN_BUDGET],
      [['auto-start-request', '--goal', 'x'], '--top-k', MAX_TOP_K],
      [['route-request', '--goal', 'x'], '--token-budget', MAX_TOKEN_BUDGET],
      [['repo-map'], '--token-budget', MAX_TOKEN_BUDGET],
      [['metrics-report'], '--top-n', MAX_TOP_N],
    ];
    for (const [command, flag, max] of cases) {
      const result = await runCli(['--root', root, ...command, flag, String(max + 1)]);
      const what = `${command[0]} ${flag} ${max + 1}`;
      assert.equal(result.exitCode, 2, `${what}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`${flag} must be an integer from 1 to ${max}`), what);
      assertOneLineError(result.stderr);
    }
  });

  it('a missing --root exits 2', async () => {
    const result = await runCli(['scan-project', '--root', '/nonexistent/codecontext-root']);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /no such directory/);
  });
});

describe('CLI scan-project (spawned binary)', () => {
  it('prints one JSON object on stdout with relative sorted paths, and nothing but warnings on stderr', async () => {
    const root = makeTempDir();
    writeTree(root, { 'b.py': 'x = 1\n', 'a/c.ts': 'export {}\n', '.env': 'SECRET=1\n' });
    const result = await runCli(['--root', root, 'scan-project']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual(result.json.files, [
      { path: 'a/c.ts', language: 'typescript', bytes: 10 },
      { path: 'b.py', language: 'python', bytes: 6 },
    ]);
    assert.deepEqual(result.json.skipped, [{ path: '.env', reason: 'secret' }]);
    assert.equal(result.json.totals.files, 2);
  });

  it('takes global options after the command and --include/--exclude repeatedly', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.py': '1', 'b.ts': '1', 'c.md': '1', 'skip/d.py': '1' });
    const result = await runCli([
      'scan-project',
      '--root',
      root,
      '--include',
      '**/*.py',
      '--include',
      '*.md',
      '--exclude',
      'skip',
    ]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(
      result.json.files.map((file: { path: string }) => file.path),
      ['a.py', 'c.md'],
    );
  });

  it('prints the version', async () => {
    const result = await runCli(['--version']);
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });
});
