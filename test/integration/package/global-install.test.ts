import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { git } from '../../helpers/git.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

/**
 * The package as a user installs it: `npm pack`, then `npm install -g --prefix <tmp> <tarball>`, then the
 * `codecontext` that npm put on the PATH, run from outside this checkout on another repository. The native modules
 * (better-sqlite3, tree-sitter and its grammars) are built by their own install scripts during that install, as on a
 * user's machine: nothing is copied from this checkout. Measured here (2 shared cores, npm cache warm from `npm ci`,
 * no network but the npm registry): 69 s for the install alone, 84–113 s inside this test while six other
 * engineers shared the machine (68 s of CPU either way); most of it is better-sqlite3 compiling SQLite from source, because its
 * prebuilt binary is on GitHub, which this machine cannot reach (with network prebuild-install fetches it in seconds).
 * tree-sitter and its grammars ship prebuilds in their packages (node-gyp-build), so they compile nothing.
 */
const INSTALL_TIMEOUT_MS = 600_000;

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): string {
  return execFileSync(command, args, {
    ...options,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: INSTALL_TIMEOUT_MS,
  });
}

describe('npm install -g of the packed package', () => {
  it(
    'puts codecontext on the PATH; it indexes, packs and serves another repository',
    { timeout: INSTALL_TIMEOUT_MS + 120_000 },
    async () => {
      const work = makeTempDir('codecontext-global-');
      const prefix = path.join(work, 'prefix');
      // dist is built by `npm test` before the suite runs; scripts are skipped so packing does not rebuild it.
      const tarball = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
        cwd: PROJECT_ROOT,
        env: process.env,
      })
        .trim()
        .split('\n')
        .pop()!;
      const started = Date.now();
      run(
        'npm',
        [
          'install',
          '-g',
          '--prefix',
          prefix,
          '--omit=optional',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          path.join(work, tarball),
        ],
        { cwd: work, env: process.env },
      );
      const installSeconds = (Date.now() - started) / 1000;
      process.stderr.write(`global install took ${installSeconds.toFixed(0)} s\n`);
      const bin = process.platform === 'win32' ? prefix : path.join(prefix, 'bin');
      assert.ok(existsSync(path.join(bin, 'codecontext')), 'npm linked the codecontext binary');

      // Another repository, and a PATH on which the installed binary comes first; cwd is that repository.
      const repo = path.join(work, 'inventory-service');
      cpSync(path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), repo, { recursive: true });
      git(repo, ['init', '-q']);
      const env = {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        CODECONTEXT_ENABLE_EMBEDDINGS: 'false',
      };
      const which = run('sh', ['-c', 'command -v codecontext'], { cwd: repo, env }).trim();
      assert.equal(which, path.join(bin, 'codecontext'));
      const installedRoot = realpathSync(path.join(prefix, 'lib', 'node_modules', 'codecontext'));
      assert.ok(!installedRoot.startsWith(PROJECT_ROOT), 'the package runs from the prefix, not this checkout');

      assert.match(run('codecontext', ['--version'], { cwd: repo, env }).trim(), /^\d+\.\d+\.\d+/);
      const indexed = JSON.parse(run('codecontext', ['index-project'], { cwd: repo, env }));
      assert.equal(indexed.status, 'ready');
      assert.ok(indexed.files > 0 && indexed.chunks > 0);
      assert.equal(indexed.db, path.join(repo, '.codecontext', 'data', 'codecontext.db'));
      const pack = JSON.parse(
        run(
          'codecontext',
          ['prepare-context-pack', '--goal', 'how is tax computed on an order?', '--token-budget', '800'],
          {
            cwd: repo,
            env,
          },
        ),
      );
      assert.match(pack.context, /compute_tax/);

      const server = spawn('codecontext', ['serve-api', '--port', '0'], {
        cwd: repo,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let buffered = '';
          server.stdout.on('data', (chunk: Buffer) => {
            buffered += chunk.toString();
            const line = buffered.split('\n').find((candidate) => candidate.includes('"listening"'));
            if (line) resolve((JSON.parse(line) as { listening: string }).listening);
          });
          server.on('exit', (code) => reject(new Error(`serve-api exited ${code}`)));
        });
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+/);
        const health = await fetch(new URL('/health', url));
        assert.equal(health.status, 200);
        const body = (await health.json()) as { version?: string };
        assert.equal(body.version, JSON.parse(readFileSync(path.join(installedRoot, 'package.json'), 'utf8')).version);
      } finally {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
    },
  );
});
