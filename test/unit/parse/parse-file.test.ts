import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CHUNK_CHARS, MAX_CHUNK_LINES } from '../../../src/parse/chunk-limits.js';
import { parseFile } from '../../../src/parse/parse-file.js';
import { tokenizeCode } from '../../../src/parse/tokenize-code.js';

describe('parseFile', () => {
  it('records signature, docstring, references and definitions per chunk', () => {
    const text = [
      'import json',
      '',
      'def load_config(path, *, strict=True):',
      '    """Read the JSON config at path."""',
      '    data = json.loads(open(path).read())',
      '    return Validator(data).check()',
      '',
    ].join('\n');
    const result = parseFile({ path: 'config.py', language: 'python', text });
    const symbol = result.symbols.find((s) => s.name === 'load_config')!;
    assert.equal(symbol.signature, 'def load_config(path, *, strict=True):');
    assert.equal(symbol.doc, 'Read the JSON config at path.');
    const chunk = result.chunks[symbol.chunkIndex]!;
    assert.deepEqual(chunk.defines, ['load_config']);
    // Capitalised words of the docstring are kept too: the graph only links names some symbol defines.
    assert.deepEqual(chunk.references, ['JSON', 'Read', 'Validator', 'check', 'loads', 'open', 'read']);
  });

  it('splits a long function between statements and repeats the signature on every part', () => {
    const body = Array.from(
      { length: 300 },
      (_, i) => `  const value${i} = compute(${i}, 'padding text to make the line longer');`,
    ).join('\n');
    const text = `export function huge(input: number): number {\n${body}\n  return input;\n}\n`;
    const result = parseFile({ path: 'huge.ts', language: 'typescript', text });
    const parts = result.chunks.filter((chunk) => chunk.kind === 'symbol_part');
    assert.ok(parts.length >= 3, `expected several parts, got ${parts.length}`);
    for (const part of parts) {
      assert.equal(part.signature, 'export function huge(input: number): number');
      assert.equal(part.symbol, 'huge');
      assert.ok(part.content.length <= MAX_CHUNK_CHARS && part.endLine - part.startLine + 1 <= MAX_CHUNK_LINES);
      // Never cut inside a statement: every part starts at a statement or the declaration.
      assert.match(part.content.split('\n')[0]!, /^(export function huge|  const value\d+ =)/);
    }
    assert.equal(parts[0]!.startLine, 1);
    assert.equal(parts[parts.length - 1]!.endLine, 303);
  });

  it('cuts a large class into a header and one chunk per method', () => {
    const methods = Array.from(
      { length: 12 },
      (_, i) => `    def method_${i}(self):\n${'        x = "filler line for size"\n'.repeat(12)}        return ${i}\n`,
    ).join('\n');
    const text = `class Big:\n    """Big class."""\n    LIMIT = 3\n\n${methods}`;
    const result = parseFile({ path: 'big.py', language: 'python', text });
    assert.equal(result.chunks[0]!.kind, 'class_header');
    assert.equal(result.chunks[0]!.symbol, 'Big');
    assert.deepEqual(
      result.chunks.slice(1).map((chunk) => chunk.symbol),
      Array.from({ length: 12 }, (_, i) => `Big.method_${i}`),
    );
  });

  it('falls back to line chunks with a warning when the parser throws, and never throws itself', () => {
    const result = parseFile({ path: 'weird.py', language: 'python', text: 'x = 1\n'.repeat(10) + '\u0000' });
    assert.ok(['parsed', 'partial', 'fallback'].includes(result.status));
    const unknown = parseFile({ path: 'notes.txt', language: 'text', text: 'alpha\n\nbeta\n' });
    assert.equal(unknown.status, 'text');
    assert.deepEqual(
      unknown.chunks.map((c) => [c.startLine, c.endLine]),
      [[1, 3]],
    );
    const empty = parseFile({ path: 'empty.ts', language: 'typescript', text: '' });
    assert.deepEqual(empty.chunks, []);
  });

  it('parses files above 32 KiB (node-tree-sitter rejects them without a larger buffer)', () => {
    const text = 'def f_%d():\n    return 1\n\n'.repeat(2000).replace(/%d/g, () => String(Math.random()).slice(2, 8));
    assert.ok(text.length > 32 * 1024);
    const result = parseFile({ path: 'big.py', language: 'python', text });
    assert.equal(result.status, 'parsed');
    assert.equal(result.symbols.length, 2000);
  });
});

describe('tokenizeCode', () => {
  it('keeps whole identifiers and their camelCase / snake_case parts, lowercased', () => {
    assert.equal(tokenizeCode('parseHTTPResponse_v2'), 'parsehttpresponse_v2 parse http response');
    assert.equal(tokenizeCode('src/foo/bar_baz.py'), 'src source foo bar_baz bar baz py');
    assert.equal(tokenizeCode('XMLHttpRequest'), 'xmlhttprequest xml http request');
  });

  it('adds the word a common abbreviation stands for, beside it; never an ignored word', () => {
    assert.equal(tokenizeCode('load_req_cfg'), 'load_req_cfg load req request cfg config');
    assert.equal(tokenizeCode('ctx'), 'ctx context');
    assert.equal(tokenizeCode('parseHttpHdr'), 'parsehttphdr parse http hdr header');
    // `str` stands for string, an ignored word: nothing is added. `res` is ambiguous: left alone.
    assert.equal(tokenizeCode('to_str res'), 'to_str str res');
  });

  it('drops keywords, stop words and single characters', () => {
    assert.equal(tokenizeCode('def the x return self.value if not None'), 'value');
  });

  it('collects reference-shaped identifiers: calls, decorators and capitalised names', () => {
    const references = new Set<string>();
    tokenizeCode(
      '@cached\ndef f(x):\n    """The helper."""\n    y = local + helper(x)\n    return Widget(y) if y else None',
      references,
    );
    assert.deepEqual([...references].sort(), ['Widget', 'cached', 'helper']);
  });
});
