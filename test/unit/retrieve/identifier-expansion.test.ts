import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rankChunks } from '../../../src/retrieve/rank-chunks.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('identifiers split and abbreviations expanded on both sides', () => {
  let fixture: IndexedFixture;
  before(async () => {
    const root = makeTempDir();
    writeTree(root, {
      'src/http/headers.ts': [
        'export function parseHttpHeader(line: string): [string, string] {',
        "  const index = line.indexOf(':');",
        '  return [line.slice(0, index).trim(), line.slice(index + 1).trim()];',
        '}',
        '',
      ].join('\n'),
      // Decoys sharing two of the three words each.
      'src/http/body.ts': 'export function parseHttpBody(raw: Buffer): string {\n  return raw.toString();\n}\n',
      'src/format/header.ts': 'export function formatHeader(name: string): string {\n  return name + ": ";\n}\n',
      'src/server/settings.py': 'def load_req_cfg(path):\n    return read_toml(path)\n',
      // Shares "load" and sorts first: without expansion it would win the tie.
      'src/server/boot.py': 'def load_plugins(path):\n    return read_toml(path)\n',
      'src/server/context.py': 'class ServerContext:\n    def close(self):\n        self.closed = True\n',
      'src/server/teardown.py': 'def teardown(ctx):\n    ctx.close()\n',
    });
    fixture = await indexFixture(root);
  });
  const top = (goal: string): string => {
    const [first] = rankChunks(fixture.db, goal, 5);
    return `${first!.chunk.path}:${first!.chunk.symbol}`;
  };

  it('"parse HTTP header" finds parseHttpHeader, not the decoys sharing two of its words', () => {
    assert.equal(top('parse HTTP header'), 'src/http/headers.ts:parseHttpHeader');
    assert.equal(top('where do we parse the http header line?'), 'src/http/headers.ts:parseHttpHeader');
  });

  it('a goal in full words finds abbreviated code, and an abbreviated goal finds full words', () => {
    assert.equal(top('load the request config'), 'src/server/settings.py:load_req_cfg');
    const abbreviated = rankChunks(fixture.db, 'ctx close', 5).map((entry) => entry.chunk.path);
    assert.ok(abbreviated.slice(0, 2).includes('src/server/context.py'), abbreviated.join(', '));
  });
});
