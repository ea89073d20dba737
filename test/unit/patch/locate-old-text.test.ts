import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineAt, locateOldText } from '../../../src/patch/locate-old-text.js';

const locate = (content: string, oldText: string) => locateOldText(Buffer.from(content), Buffer.from(oldText));

describe('locateOldText', () => {
  it('finds a unique occurrence with its byte offset and 1-based line', () => {
    const content = 'alpha\nbeta\ngamma\n';
    assert.deepEqual(locate(content, 'gamma'), { kind: 'unique', offset: 11, line: 3 });
  });

  it('counts overlapping occurrences: "aa" in "aaa" is ambiguous', () => {
    assert.deepEqual(locate('aaa\n', 'aa'), { kind: 'several', count: 2, lines: [1, 1] });
  });

  it('lists the lines of several occurrences', () => {
    assert.deepEqual(locate('x = 1\ny = 2\nx = 1\n', 'x = 1'), { kind: 'several', count: 2, lines: [1, 3] });
  });

  it('names the nearest line when there is no match (indentation and a changed name)', () => {
    const content = 'def a():\n    pass\n\ndef total(items):\n    return sum(items)\n';
    const result = locate(content, 'def total(item):\n  return sum(item)');
    assert.equal(result.kind, 'none');
    assert.ok(result.kind === 'none' && result.nearest);
    assert.equal(result.nearest.line, 4);
    assert.ok(result.nearest.similarity > 0.7 && result.nearest.similarity < 1, String(result.nearest.similarity));
  });

  it('works on bytes: offsets count UTF-8 bytes, non-UTF-8 content is matched as is', () => {
    const content = Buffer.concat([Buffer.from('é = 1\n'), Buffer.from([0xe9, 0x0a]), Buffer.from('target\n')]);
    const result = locateOldText(content, Buffer.from('target'));
    assert.deepEqual(result, { kind: 'unique', offset: 9, line: 3 });
    assert.equal(lineAt(content, 0), 1);
  });
});
