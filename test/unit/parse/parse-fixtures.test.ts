import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseFile } from '../../../src/parse/parse-file.js';
import { detectLanguage } from '../../../src/scan/languages.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';

/**
 * One fixture directory per language and case: `source.<ext>` and `expected.json` with the exact symbols
 * (`kind qualified.name start-end`) and chunks (`kind symbol start-end`) that parseFile must produce.
 * These pin the tree-sitter queries of src/parse/queries.
 */
const FIXTURES = path.join(PROJECT_ROOT, 'fixtures', 'parse');

interface Expected {
  status: string;
  symbols: string[];
  chunks: string[];
}

describe('parseFile on fixtures', () => {
  for (const name of readdirSync(FIXTURES).sort()) {
    const directory = path.join(FIXTURES, name);
    const source = readdirSync(directory).find((file) => file.startsWith('source.'))!;
    const text = readFileSync(path.join(directory, source), 'utf8');
    const expected = JSON.parse(readFileSync(path.join(directory, 'expected.json'), 'utf8')) as Expected;
    const result = parseFile({ path: source, language: detectLanguage(source), text });

    it(`${name}: symbols, kinds and lines`, () => {
      assert.equal(result.status, expected.status);
      assert.deepEqual(
        result.symbols.map((s) => `${s.kind} ${s.qualifiedName} ${s.startLine}-${s.endLine}`),
        expected.symbols,
      );
    });

    it(`${name}: chunks`, () => {
      assert.deepEqual(
        result.chunks.map((c) => `${c.kind} ${c.symbol ?? '-'} ${c.startLine}-${c.endLine}`),
        expected.chunks,
      );
    });

    it(`${name}: chunks cover every non-blank line exactly once`, () => {
      const lines = text.split('\n');
      const owner = new Map<number, number>();
      result.chunks.forEach((chunk, index) => {
        assert.equal(chunk.content, lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'));
        for (let line = chunk.startLine; line <= chunk.endLine; line++) {
          assert.ok(!owner.has(line), `line ${line} in chunks ${owner.get(line)} and ${index}`);
          owner.set(line, index);
        }
      });
      lines.forEach((line, index) => {
        if (line.trim() !== '') assert.ok(owner.has(index + 1), `line ${index + 1} is in no chunk: ${line}`);
      });
    });
  }
});
