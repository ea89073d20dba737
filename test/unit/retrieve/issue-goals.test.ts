import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { stripIssueBoilerplate, templateLineSet, isTemplatePath } from '../../../src/retrieve/issue-boilerplate.js';
import { rankChunks } from '../../../src/retrieve/rank-chunks.js';
import { isVendoredPath } from '../../../src/retrieve/match-paths.js';
import { IndexReader } from '../../../src/retrieve/index-reader.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const TEMPLATE = [
  '---',
  'name: Bug report',
  'about: Create a report to help us improve',
  '---',
  '**Describe the bug**',
  'A clear and concise description of what the bug is.',
  '',
  '**Environment info**',
  '- App version: [e.g. 1.2]',
  '- Python version: [e.g. 3.10]',
  '- Storage backend: [e.g. sqlite, postgres]',
  '<!-- Please paste the full output of `app --version` -->',
].join('\n');

// A user's issue written into that form, with Windows line endings as GitHub serves them.
const PASTED_ISSUE = [
  'CSV export ignores the delimiter option',
  '**Describe the bug**',
  'When I pass a semicolon delimiter the exported report still separates columns with commas.',
  '',
  '**Environment info**',
  '- App version: 2.3',
  '- Python version: 3.11',
  '- Storage backend: postgres',
  '<!-- Please paste the full output of `app --version` -->',
  '<img width="148" alt="screenshot" src="https://example.invalid/shot.png">',
].join('\r\n');

describe('issue boilerplate', () => {
  it('drops the form and keeps what the user wrote into it', () => {
    const cleaned = stripIssueBoilerplate(PASTED_ISSUE, templateLineSet([TEMPLATE]));
    assert.match(cleaned, /CSV export ignores the delimiter option/);
    assert.match(cleaned, /semicolon delimiter/);
    // Field values stay, field names go.
    assert.match(cleaned, /2\.3/);
    assert.match(cleaned, /postgres/);
    for (const gone of [
      'Describe the bug',
      'Environment info',
      'App version',
      'Python version',
      'Storage backend',
      'Please paste',
      'width',
      'screenshot',
    ]) {
      assert.ok(!cleaned.includes(gone), `${gone} is removed`);
    }
  });

  it("knows GitHub's default template without a template file, and leaves other text alone", () => {
    const lines = templateLineSet([]);
    assert.equal(
      stripIssueBoilerplate('### To Reproduce\nrun `sync --all`\n**Expected behavior**\nno crash', lines),
      'run `sync --all`\nno crash',
    );
    const prose = 'The version field of the config is ignored.\nPython version: shown wrong';
    assert.equal(stripIssueBoilerplate(prose, lines), prose);
  });

  it('recognizes template and vendored paths by convention', () => {
    for (const file of [
      '.github/ISSUE_TEMPLATE/bug_report.md',
      '.github/ISSUE_TEMPLATE/bug-report.yml',
      '.github/PULL_REQUEST_TEMPLATE.md',
      'ISSUE_TEMPLATE.md',
    ]) {
      assert.ok(isTemplatePath(file), file);
    }
    assert.ok(!isTemplatePath('docs/templates/page.html'));
    for (const file of [
      'static/jquery-3.5.1.js',
      'web/vendor/chart.js',
      'third_party/zlib/inflate.c',
      'assets/app.min.js',
      'lib/underscore-1.3.1.js',
    ]) {
      assert.ok(isVendoredPath(file), file);
    }
    for (const file of ['src/app.js', 'src/vendoring.py', 'lib/version-1.py', 'src/jquery_helpers.py'])
      assert.ok(!isVendoredPath(file), file);
  });
});

describe('ranking a pasted issue', () => {
  let fixture: IndexedFixture;
  before(async () => {
    const root = makeTempDir('codecontext-issue-');
    const write = (file: string, text: string): void => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    write('.github/ISSUE_TEMPLATE/bug_report.md', TEMPLATE);
    write(
      'app/export.py',
      [
        'def export_report(rows, delimiter=","):',
        '    """Write the report rows as CSV columns."""',
        '    return "\\n".join(",".join(str(cell) for cell in row) for row in rows)',
        '',
      ].join('\n'),
    );
    // Every form field word lives here: it wins when the form is searched for.
    write(
      'app/settings.py',
      [
        'class Settings:',
        '    """App version, Python version and storage backend of this install: the environment info."""',
        '    app_version = "2.3"',
        '    python_version = "3.11"',
        '    storage_backend = "sqlite"',
        '    def describe(self):',
        '        return f"environment info: app version {self.app_version}, python version {self.python_version}, storage backend {self.storage_backend}"',
        '',
      ].join('\n'),
    );
    // A bundled browser library whose generic helpers match many words.
    write(
      'app/static/jquery-3.6.0.js',
      [
        'function exportColumns(report, delimiter) { return report.columns.join(delimiter); }',
        'function separateColumns(report, semicolon, commas) { return report.split(semicolon || commas); }',
        '',
      ].join('\n'),
    );
    fixture = await indexFixture(root);
  });

  it('finds the code at fault, not the form or a vendored copy', () => {
    const results = rankChunks(fixture.db, PASTED_ISSUE, 10);
    assert.equal(results[0]!.chunk.path, 'app/export.py');
    const files = [...new Set(results.map((entry) => entry.chunk.path))];
    assert.ok(files.indexOf('app/settings.py') === -1 || files.indexOf('app/settings.py') > 0);
    const vendored = results.find((entry) => entry.chunk.path.endsWith('jquery-3.6.0.js'));
    if (vendored) assert.equal(vendored.why.vendored_factor, 0.5);
    const template = files.indexOf('.github/ISSUE_TEMPLATE/bug_report.md');
    assert.ok(template === -1 || template > 1, `template ranked ${template}`);
  });

  it('a term of weight 2 counts twice in the BM25 query (how a title word weighs more)', () => {
    const reader = new IndexReader(fixture.db);
    const first = (weights: [number, number]): string | null => {
      const [hit] = reader.bm25(
        [
          { term: 'semicolon', weight: weights[0] },
          { term: 'rows', weight: weights[1] },
        ],
        1,
      );
      return reader.chunksByIds([hit!.id]).get(hit!.id)!.symbol;
    };
    assert.equal(first([2, 1]), 'separateColumns');
    assert.equal(first([1, 2]), 'export_report');
  });
});
