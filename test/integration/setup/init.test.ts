import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppConfig } from '../../../src/config/app-config.js';
import { git } from '../../helpers/git.js';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/** A repository as a new user has it: a git work tree with one source file and nothing of ours. */
function freshRepo(): string {
  const root = makeTempDir('codecontext-init-');
  writeTree(root, { 'app.py': 'def main():\n    return 1\n' });
  git(root, ['init', '-q']);
  return root;
}

// Nothing answers on port 9 (discard) of loopback: no Ollama unless a test starts the fake one.
const NO_OLLAMA = {
  OLLAMA_HOST: '127.0.0.1:9',
  OPENAI_API_KEY: '',
  ANTHROPIC_API_KEY: '',
  DEEPSEEK_API_KEY: '',
  GROQ_API_KEY: '',
};

describe('codecontext init', () => {
  let ollama: Server;
  let ollamaHost: string;
  before(async () => {
    // A loopback Ollama: only /api/tags, as the real one lists its pulled models.
    ollama = createServer((request, response) => {
      if (request.url === '/api/tags') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ models: [{ name: 'qwen2.5-coder:7b' }, { name: 'llama3.2:3b' }] }));
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => ollama.listen(0, '127.0.0.1', resolve));
    ollamaHost = `127.0.0.1:${(ollama.address() as AddressInfo).port}`;
  });
  after(() => ollama.close());

  it('writes a config naming the key variables that are set (never their values) and the Ollama that answered', async () => {
    const root = freshRepo();
    const key = 'sk-init-test-value-0123456789abcdef';
    const result = await runCli(['--root', root, 'init', '--format', 'json'], {
      env: {
        ...NO_OLLAMA,
        OPENAI_API_KEY: key,
        ANTHROPIC_API_KEY: 'sk-ant-another-value-0123456789',
        OLLAMA_HOST: ollamaHost,
      },
    });
    assert.equal(result.exitCode, 0, result.stderr);
    const text = readFileSync(path.join(root, '.codecontext.toml'), 'utf8');
    assert.equal(result.json.content, text);
    assert.equal(result.json.config.action, 'written');
    assert.deepEqual(
      result.json.providers.map((provider: { name: string }) => provider.name),
      ['openai', 'anthropic', 'ollama'],
    );
    assert.match(text, /api_key_env = "OPENAI_API_KEY"/);
    assert.match(text, /api_key_env = "ANTHROPIC_API_KEY"/);
    assert.match(text, /model = "qwen2\.5-coder:7b"/);
    assert.match(text, new RegExp(`base_url = "http://${ollamaHost.replace(/\./g, '\\.')}"`));
    assert.ok(!text.includes(key) && !result.stdout.includes(key) && !result.stderr.includes(key));
    assert.match(text, /^# /m, 'the file is commented');

    // The file is what the real loader reads: every provider survives validation as written.
    const config = AppConfig.load(root, { env: {} });
    assert.equal(config.configPath, path.join(root, '.codecontext.toml'));
    assert.deepEqual(
      config.values.providers.map((provider) => [provider.name, provider.provider, provider.apiKeyEnv ?? null]),
      [
        ['openai', 'openai', 'OPENAI_API_KEY'],
        ['anthropic', 'anthropic', 'ANTHROPIC_API_KEY'],
        ['ollama', 'ollama', null],
      ],
    );
    assert.equal(config.values.llmClient.apiKeyEnv, 'OPENAI_API_KEY');

    // .codecontext/ is kept out of git status through .git/info/exclude, the repository's own file untouched.
    assert.match(readFileSync(path.join(root, '.git', 'info', 'exclude'), 'utf8'), /^\.codecontext\/$/m);
    assert.equal(existsSync(path.join(root, '.gitignore')), false);
    await runCli(['--root', root, 'index-project']);
    assert.equal(git(root, ['status', '--porcelain', '--untracked-files=all']).includes('.codecontext/'), false);
  });

  it('a second run changes nothing and says so; a different existing config is kept unless --force', async () => {
    const root = freshRepo();
    const env = { ...NO_OLLAMA, OPENAI_API_KEY: 'sk-x-0123456789abcdef0123' };
    assert.equal((await runCli(['--root', root, 'init'], { env })).exitCode, 0);
    const first = readFileSync(path.join(root, '.codecontext.toml'), 'utf8');
    const exclude = readFileSync(path.join(root, '.git', 'info', 'exclude'), 'utf8');

    const again = await runCli(['--root', root, 'init', '--format', 'text'], { env });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /nothing changed/);
    assert.equal(readFileSync(path.join(root, '.codecontext.toml'), 'utf8'), first);
    assert.equal(readFileSync(path.join(root, '.git', 'info', 'exclude'), 'utf8'), exclude);

    writeFileSync(path.join(root, '.codecontext.toml'), 'default_top_k = 9\n');
    const refused = await runCli(['--root', root, 'init'], { env });
    assert.equal(refused.exitCode, 2);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /exists and differs/);
    assert.equal(readFileSync(path.join(root, '.codecontext.toml'), 'utf8'), 'default_top_k = 9\n');

    const forced = await runCli(['--root', root, 'init', '--force'], { env });
    assert.equal(forced.exitCode, 0, forced.stderr);
    assert.equal(forced.json.config.action, 'replaced');
    assert.equal(readFileSync(path.join(root, '.codecontext.toml'), 'utf8'), first);
  });

  it('--dry-run prints the file and writes nothing; --gitignore uses .gitignore', async () => {
    const root = freshRepo();
    const exclude = readFileSync(path.join(root, '.git', 'info', 'exclude'), 'utf8');
    const dry = await runCli(['--root', root, 'init', '--dry-run', '--gitignore', '--format', 'text'], {
      env: NO_OLLAMA,
    });
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, /would write .*\.codecontext\.toml/);
    assert.match(dry.stdout, /\[llm_client\]/);
    assert.match(dry.stdout, /providers: none found/);
    assert.equal(existsSync(path.join(root, '.codecontext.toml')), false);
    assert.equal(existsSync(path.join(root, '.gitignore')), false);
    assert.equal(readFileSync(path.join(root, '.git', 'info', 'exclude'), 'utf8'), exclude);

    writeFileSync(path.join(root, '.gitignore'), 'node_modules');
    const real = await runCli(['--root', root, 'init', '--gitignore'], { env: NO_OLLAMA });
    assert.equal(real.exitCode, 0, real.stderr);
    assert.equal(readFileSync(path.join(root, '.gitignore'), 'utf8'), 'node_modules\n.codecontext/\n');
    assert.equal(readFileSync(path.join(root, '.git', 'info', 'exclude'), 'utf8'), exclude);
    assert.deepEqual(AppConfig.load(root, { env: {} }).values.providers, []);
  });
});
