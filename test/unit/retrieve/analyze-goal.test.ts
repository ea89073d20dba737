import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeGoal } from '../../../src/retrieve/analyze-goal.js';
import { matchPaths, isTestPath } from '../../../src/retrieve/match-paths.js';

describe('analyzeGoal', () => {
  it('finds identifiers: snake_case, camelCase, dotted, called, and anything in backticks', () => {
    const analysis = analyzeGoal(
      'Calling parse_args() on HttpClient.fetchAll breaks `render` and sympy.core.basic, but the Report is fine',
    );
    for (const name of [
      'parse_args',
      'HttpClient.fetchAll',
      'HttpClient',
      'fetchAll',
      'render',
      'sympy.core.basic',
      'basic',
      'core.basic',
    ]) {
      assert.ok(analysis.identifiers.has(name), name);
    }
    assert.ok(!analysis.identifiers.has('Calling') && !analysis.identifiers.has('the'));
  });

  it('reads Python and JavaScript stack frames and path mentions', () => {
    const analysis = analyzeGoal(
      [
        'Traceback (most recent call last):',
        '  File "/home/dev/project/pkg/core.py", line 42, in run',
        '    at handle (/srv/app/src/server.ts:17:9)',
        'see also utils/io.py and the sympy.printing.ccode module',
      ].join('\n'),
    );
    assert.deepEqual(analysis.frames, [
      { path: '/home/dev/project/pkg/core.py', line: 42 },
      { path: '/srv/app/src/server.ts', line: 17 },
    ]);
    for (const mention of ['utils/io.py', 'sympy/printing/ccode', '/home/dev/project/pkg/core.py'])
      assert.ok(analysis.paths.includes(mention), mention);
  });

  it('drops links and bare numbers from the search words, and notices test intent', () => {
    const analysis = analyzeGoal(
      'Broken since 4.2.1, see https://github.com/someone/repo/issues/8164 for the discount bug',
    );
    assert.ok(!analysis.terms.has('github') && !analysis.terms.has('someone') && !analysis.terms.has('8164'));
    assert.ok(analysis.terms.has('discount'));
    assert.equal(analysis.aboutTests, false);
    assert.equal(analyzeGoal('the pytest fixture for discounts fails').aboutTests, true);
  });
});

describe('matchPaths', () => {
  const files = [
    { id: 1, path: 'pkg/core.py' },
    { id: 2, path: 'other/core.py' },
    { id: 3, path: 'src/server.ts' },
    { id: 4, path: 'sympy/printing/ccode.py' },
  ];
  it('resolves absolute paths from other machines by their longest suffix', () => {
    const matches = matchPaths(
      ['/home/dev/project/pkg/core.py', 'core.py', 'sympy/printing/ccode', 'missing.py'],
      files,
    );
    assert.deepEqual(
      matches.get('/home/dev/project/pkg/core.py')?.map((m) => m.path),
      ['pkg/core.py'],
    );
    assert.deepEqual(
      matches.get('core.py')?.map((m) => m.path),
      ['pkg/core.py', 'other/core.py'],
    );
    assert.deepEqual(
      matches.get('sympy/printing/ccode')?.map((m) => m.path),
      ['sympy/printing/ccode.py'],
    );
    assert.equal(matches.has('missing.py'), false);
  });
  it('recognises test files', () => {
    for (const path of [
      'tests/test_a.py',
      'pkg/tests/x.py',
      'a_test.go',
      'src/b.test.ts',
      'c.spec.js',
      'conftest.py',
      'test_x.py',
    ])
      assert.ok(isTestPath(path), path);
    for (const path of ['src/testing_utils_impl.py', 'latest.py', 'contest.py']) assert.ok(!isTestPath(path), path);
  });
});

describe('analyzeGoal intent and file names', () => {
  it('reads test and docs intent from the title only, and never takes a file name for an identifier', () => {
    const pasted = analyzeGoal(
      'Parser drops the last token\n\nI tested this with pytest and the docs say otherwise; see index.rst and conf.py',
    );
    assert.equal(pasted.aboutTests, false);
    assert.equal(pasted.aboutDocs, false);
    assert.ok(!pasted.identifiers.has('index') && !pasted.identifiers.has('index.rst'));
    assert.ok(pasted.paths.includes('index.rst'));
    assert.equal(analyzeGoal('Fix a typo in the README').aboutDocs, true);
  });
});

describe('analyzeGoal identifier strength', () => {
  it('treats called, snake_case, camelCase and dotted names as strong, plain backticked words as weak', () => {
    const analysis = analyzeGoal('ccode(sinc(x)) fails; `index` and `parse_args` and `HttpClient` differ');
    for (const strong of ['ccode', 'sinc', 'parse_args', 'HttpClient'])
      assert.ok(analysis.strongIdentifiers.has(strong), strong);
    assert.ok(analysis.identifiers.has('index') && !analysis.strongIdentifiers.has('index'));
  });
});
