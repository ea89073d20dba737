import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findMcpInstalls } from '../../../src/setup/mcp-hosts.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const KEY_VALUE = 'sk-install-secret-0123456789abcdef';
/** Hosts read from the home given; CODEX_HOME and APPDATA of the machine running the tests must not leak in. */
const ENV = { OPENAI_API_KEY: KEY_VALUE, CODEX_HOME: undefined, APPDATA: undefined };
const LAUNCHER = [process.execPath, path.join(PROJECT_ROOT, 'bin', 'codecontext.js')] as const;

/** A repository whose config names two key variables, and an empty home. */
function setUp(): { root: string; home: string } {
  const work = makeTempDir('codecontext-install-');
  const root = path.join(work, 'my-service');
  writeTree(root, {
    'app.py': 'def main():\n    return 1\n',
    '.codecontext.toml': [
      '[llm_client]',
      'api_key_env = "OPENAI_API_KEY"',
      '[[providers]]',
      'name = "claude"',
      'provider = "anthropic"',
      'model = "claude-sonnet-4-5"',
      'api_key_env = "ANTHROPIC_API_KEY"',
      '',
    ].join('\n'),
  });
  const home = path.join(work, 'home');
  mkdirSync(home);
  return { root, home };
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const read = (file: string): string => readFileSync(file, 'utf8');

function expectedFiles(root: string, home: string): Record<string, string> {
  const [command, bin] = LAUNCHER;
  const args = [bin, 'mcp', '--root', root];
  const envRefs = { ANTHROPIC_API_KEY: '${env:ANTHROPIC_API_KEY}', OPENAI_API_KEY: '${env:OPENAI_API_KEY}' };
  return {
    [path.join(home, '.claude.json')]: json({
      projects: { [root]: { mcpServers: { codecontext: { type: 'stdio', command, args } } } },
    }),
    [path.join(home, '.cursor', 'mcp.json')]: json({
      mcpServers: { 'codecontext-my-service': { command, args, env: envRefs } },
    }),
    [path.join(root, '.vscode', 'mcp.json')]: json({
      servers: { codecontext: { type: 'stdio', command, args, env: envRefs } },
    }),
    [path.join(home, '.codeium', 'windsurf', 'mcp_config.json')]: json({
      mcpServers: { 'codecontext-my-service': { command, args, env: envRefs } },
    }),
    [path.join(home, '.codex', 'config.toml')]: [
      '[mcp_servers.codecontext-my-service]',
      `command = ${JSON.stringify(command)}`,
      `args = [${args.map((arg) => JSON.stringify(arg)).join(', ')}]`,
      'env_vars = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]',
      '',
    ].join('\n'),
    [path.join(home, '.config', 'Claude', 'claude_desktop_config.json')]: json({
      mcpServers: { 'codecontext-my-service': { command, args } },
    }),
  };
}

describe('codecontext install --host', () => {
  it('writes every host’s file as expected, names key variables only, and a second run writes nothing', async () => {
    const { root, home } = setUp();
    assert.ok(findMcpInstalls({ home, root }).every((install) => !install.installed));
    const result = await runCli(['--root', root, 'install', '--host', 'all', '--home', home], { env: ENV });
    assert.equal(result.exitCode, 0, result.stderr);
    const expected = expectedFiles(root, home);
    for (const [file, text] of Object.entries(expected)) {
      assert.equal(read(file), text, file);
      assert.ok(!read(file).includes(KEY_VALUE));
    }
    assert.deepEqual(
      result.json.changes.map((change: { action: string; backup: unknown }) => [change.action, change.backup]),
      Array(6).fill(['created', null]),
    );
    assert.ok(!result.stdout.includes(KEY_VALUE) && !result.stderr.includes(KEY_VALUE));
    assert.deepEqual(
      findMcpInstalls({ home, root }).map((install) => [install.host, install.installed]),
      ['claude-code', 'cursor', 'vscode', 'windsurf', 'codex', 'claude-desktop'].map((host) => [host, true]),
    );

    const mtimes = Object.keys(expected).map((file) => statSync(file).mtimeMs);
    const again = await runCli(['--root', root, 'install', '--host', 'all', '--home', home], { env: ENV });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.ok(again.json.changes.every((change: { action: string }) => change.action === 'unchanged'));
    assert.deepEqual(
      Object.keys(expected).map((file) => statSync(file).mtimeMs),
      mtimes,
    );
    assert.ok(Object.keys(expected).every((file) => !existsSync(`${file}.codecontext.bak`)));
  });

  it('merges into existing files, backs them up, and --uninstall removes only our entry', async () => {
    const { root, home } = setUp();
    const cursorFile = path.join(home, '.cursor', 'mcp.json');
    const codexFile = path.join(home, '.codex', 'config.toml');
    const claudeFile = path.join(home, '.claude.json');
    const cursorBefore = json({ mcpServers: { github: { command: 'gh-mcp', env: { GH: '${env:GH_TOKEN}' } } } });
    const codexBefore = [
      '# my codex settings',
      'model = "gpt-5"',
      '',
      '[mcp_servers.docs]',
      'command = "docs-mcp" # keep this comment',
      '',
      '[mcp_servers.docs.env]',
      'LEVEL = "1"',
      '',
    ].join('\n');
    const claudeBefore = json({
      numStartups: 3,
      projects: { '/elsewhere': { mcpServers: { other: { command: 'x' } } } },
    });
    writeTree(home, {
      '.cursor/mcp.json': cursorBefore,
      '.codex/config.toml': codexBefore,
      '.claude.json': claudeBefore,
    });
    // ~/.claude.json holds the user's tokens: it stays readable by its owner only.
    chmodSync(claudeFile, 0o600);

    const dry = await runCli(['--root', root, 'install', '--host', 'all', '--home', home, '--dry-run'], { env: ENV });
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.equal(read(cursorFile), cursorBefore);
    assert.equal(read(codexFile), codexBefore);
    assert.equal(existsSync(path.join(root, '.vscode')), false);
    assert.equal(existsSync(`${cursorFile}.codecontext.bak`), false);

    const installed = await runCli(['--root', root, 'install', '--host', 'all', '--home', home], { env: ENV });
    assert.equal(installed.exitCode, 0, installed.stderr);
    const expected = expectedFiles(root, home);
    const ours = JSON.parse(expected[cursorFile]!).mcpServers;
    assert.equal(read(cursorFile), json({ mcpServers: { ...JSON.parse(cursorBefore).mcpServers, ...ours } }));
    assert.equal(read(codexFile), `${codexBefore}\n${expected[codexFile]}`);
    const claudeAfter = JSON.parse(read(claudeFile));
    assert.equal(claudeAfter.numStartups, 3);
    assert.equal(statSync(claudeFile).mode & 0o777, 0o600);
    assert.deepEqual(claudeAfter.projects['/elsewhere'], JSON.parse(claudeBefore).projects['/elsewhere']);
    assert.deepEqual(claudeAfter.projects[root], JSON.parse(expected[claudeFile]!).projects[root]);
    for (const [file, before] of [
      [cursorFile, cursorBefore],
      [codexFile, codexBefore],
      [claudeFile, claudeBefore],
    ] as const)
      assert.equal(read(`${file}.codecontext.bak`), before, file);

    const removed = await runCli(['--root', root, 'install', '--host', 'all', '--home', home, '--uninstall'], {
      env: ENV,
    });
    assert.equal(removed.exitCode, 0, removed.stderr);
    assert.ok(removed.json.changes.every((change: { action: string }) => change.action === 'removed'));
    assert.equal(read(cursorFile), cursorBefore);
    assert.equal(read(codexFile), codexBefore);
    assert.deepEqual(
      JSON.parse(read(claudeFile)).projects['/elsewhere'],
      JSON.parse(claudeBefore).projects['/elsewhere'],
    );
    assert.ok(findMcpInstalls({ home, root }).every((install) => !install.installed));
    const twice = await runCli(['--root', root, 'install', '--host', 'codex', '--home', home, '--uninstall'], {
      env: ENV,
    });
    assert.equal(twice.json.changes[0].action, 'absent');
  });

  it('a file it cannot parse is left alone: one line on stderr, exit 2', async () => {
    const { root, home } = setUp();
    const broken = '{ "mcpServers": { // a comment\n';
    writeTree(home, { '.cursor/mcp.json': broken });
    const result = await runCli(['--root', root, 'install', '--host', 'cursor', '--home', home], { env: ENV });
    assert.equal(result.exitCode, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /mcp\.json: not valid JSON/);
    assert.equal(read(path.join(home, '.cursor', 'mcp.json')), broken);
    const unknown = await runCli(['--root', root, 'install', '--host', 'emacs', '--home', home], { env: ENV });
    assert.equal(unknown.exitCode, 2);
  });
});
