import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildContextPack } from '../../../src/pack/pack-context.js';
import { shortenDocstrings } from '../../../src/pack/shorten-docstrings.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/** A framework class whose docstring repeats every word a question about it uses, as Flask's does. */
const DOCSTRING = [
  '    """The application object: it dispatches each request to the view of the matching route.',
  '',
  ...Array.from({ length: 40 }, (_, index) =>
    index % 2 === 0
      ? `    Each request is matched against the registered routes (rule ${index}); the route decides the view,`
      : `    and the application dispatches the request to that view with the route's arguments and its config.`,
  ),
  '    """',
];
const APP = [
  'class Application:',
  ...DOCSTRING,
  '',
  '    def __init__(self, config):',
  '        self.config = config',
  '        self.routes = []',
  '',
  '    def add_route(self, rule, view):',
  '        self.routes.append((rule, view))',
  '',
  '    def dispatch_request(self, request):',
  '        for rule, view in self.routes:',
  '            if rule.matches(request.path):',
  '                return view(request, **rule.arguments(request.path))',
  '        raise NotFound(request.path)',
  '',
].join('\n');

describe('a docstring-heavy class in a pack', () => {
  let fixture: IndexedFixture;
  before(async () => {
    const root = makeTempDir();
    writeTree(root, {
      'web/app.py': APP,
      'web/routing.py': 'class Rule:\n    def matches(self, path):\n        return path == self.pattern\n',
    });
    fixture = await indexFixture(root);
  });
  const pack = (goal: string, tokenBudget: number) =>
    buildContextPack(fixture.db, { root: fixture.root, goal, topK: 6, tokenBudget, encoding: 'cl100k_base' });

  it('does not crowd the budget: its docstring is cut to the summary and the code it holds is packed', () => {
    const budget = 600;
    const result = pack('How does the application dispatch a request to the matching route?', budget);
    assert.match(result.context, /def dispatch_request\(self, request\):/);
    assert.match(result.context, /… \d+ docstring lines elided …/);
    assert.ok(!result.context.includes('(rule 10)'), 'the docstring body is not packed');
    const docstringTokens = result.context.split('\n').filter((line) => line.includes('Each request is matched'));
    assert.equal(docstringTokens.length, 0);
    assert.ok(result.tokens_used <= budget);
  });

  it('a goal about the documentation gets the docstring whole', () => {
    const result = pack('Fix a typo in the Application docstring', 4000);
    assert.ok(result.context.includes('(rule 10)'), 'the whole docstring is there');
    assert.ok(!/docstring lines elided/.test(result.context));
  });
});

describe('shortenDocstrings', () => {
  it('keeps summary and closing line, leaves short docstrings and non-docstrings alone', () => {
    const long = shortenDocstrings(APP);
    assert.equal(long.elidedLines, 41, 'the blank line and the 40 lines after the summary');
    const lines = long.code.split('\n');
    assert.deepEqual(lines.slice(0, 5), [
      'class Application:',
      '    """The application object: it dispatches each request to the view of the matching route.',
      '    … 41 docstring lines elided …',
      '    """',
      '',
    ]);
    const short = 'def f():\n    """One line."""\n    return 1\n';
    assert.deepEqual(shortenDocstrings(short), { code: short, elidedLines: 0 });
    const notDoc = `x = (\n${'    """\n'.repeat(1)}${'    text\n'.repeat(12)}    """)\n`;
    assert.equal(shortenDocstrings(notDoc).elidedLines, 0, 'a string not opening a block is data, not a docstring');
    const jsdoc = `/**\n * Summary line.\n *\n${' * more\n'.repeat(10)} */\nexport function f() {}\n`;
    const js = shortenDocstrings(jsdoc);
    assert.equal(js.elidedLines, 11);
    assert.deepEqual(js.code.split('\n').slice(0, 5), [
      '/**',
      ' * Summary line.',
      '… 11 docstring lines elided …',
      ' */',
      'export function f() {}',
    ]);
  });
});
