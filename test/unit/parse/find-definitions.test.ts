import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findDefinitions } from '../../../src/parse/find-definitions.js';
import { grammarFor } from '../../../src/parse/grammars.js';

const python = grammarFor('python');
// As parse-file.ts parses: the whole text in one read (the default buffer fails on large files).
const parse = (source: string) => python.parser.parse(source, undefined, { bufferSize: source.length * 2 + 1 });

/** What the definitions query itself finds: the specification the Python statement walk must match. */
function byQuery(source: string): string[] {
  const tree = parse(source);
  return python.definitions.matches(tree.rootNode).map((match) => {
    const definition = match.captures.find((capture) => capture.name.startsWith('definition.'))!;
    const name = match.captures.find((capture) => capture.name === 'name')!;
    return `${definition.name} ${definition.node.startIndex} ${name.node.text}`;
  });
}

function byWalk(source: string): string[] {
  return findDefinitions(python, parse(source)).map(
    (found) => `${found.captureName} ${found.node.startIndex} ${found.nameNode?.text}`,
  );
}

describe('Python definitions by statement walk', () => {
  it('finds what the query finds, in the same order, wherever a statement can stand', () => {
    const source = [
      'import typing',
      'if typing.TYPE_CHECKING:',
      '    def checked(): ...',
      'elif False:',
      '    class Elif: pass',
      'else:',
      '    def otherwise(): pass',
      'try:',
      '    def tried(): pass',
      'except ImportError:',
      '    def fallback(): pass',
      'finally:',
      '    class Finally: pass',
      'for _ in range(2):',
      '    def looped(): pass',
      'while False:',
      '    def waited(): pass',
      'with open(__file__):',
      '    def within(): pass',
      'match 1:',
      '    case 1:',
      '        def matched(): pass',
      '@decorator',
      'class Outer:',
      '    """Doc."""',
      '    @property',
      '    def value(self):',
      '        def inner():',
      '            class Local: pass',
      '        handler = lambda x: x',
      '        return inner',
      '    async def fetch(self): pass',
      'def broken(:',
      '    def survivor(): pass',
      '',
    ].join('\n');
    const expected = byQuery(source);
    assert.ok(expected.length >= 15, expected.join('\n'));
    assert.deepEqual(byWalk(source), expected);
  });

  it('agrees with the query on every 40th file of the Python standard library', (context) => {
    const stdlib = spawnSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
      encoding: 'utf8',
    });
    if (stdlib.status !== 0) return context.skip('no python3 on this machine');
    const files = walkPython(stdlib.stdout.trim())
      .sort()
      .filter((_, index) => index % 40 === 0);
    assert.ok(files.length > 20, `${files.length} files`);
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      assert.deepEqual(byWalk(source), byQuery(source), file);
    }
  });
});

function walkPython(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'site-packages' ? [] : walkPython(full);
    return entry.name.endsWith('.py') ? [full] : [];
  });
}
