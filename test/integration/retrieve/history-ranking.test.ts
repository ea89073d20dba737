import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { refreshIndex } from '../../../src/indexing/refresh-index.js';
import { scanOptionsFor } from '../../../src/scan/scan-options.js';
import { rankChunks } from '../../../src/retrieve/rank-chunks.js';
import { rankFiles } from '../../../src/retrieve/search-project.js';
import { git } from '../../helpers/git.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/**
 * A charting package whose history says where tooltip flicker gets fixed: in paint_scheduler.py, a file no word of
 * the goal names, always together with frame_clock.py. Built with git at test time.
 */
function chartRepository(): string {
  const root = makeTempDir('codecontext-history-');
  writeTree(root, {
    'chart/legend.py': [
      'class Legend:',
      '    """Legend entries drawn beside the plot; hovering an entry highlights its series."""',
      '    def on_hover(self, entry):',
      '        self.highlighted = entry',
      '        self.tooltip.show(entry.label)',
      '',
    ].join('\n'),
    'chart/tooltip.py': [
      'class Tooltip:',
      '    """A small box with the value under the pointer."""',
      '    def show(self, text):',
      '        self.text = text',
      '        self.visible = True',
      '',
    ].join('\n'),
    'chart/paint_scheduler.py': [
      'class PaintScheduler:',
      '    def schedule_repaint(self, region):',
      '        self.pending.append(region)',
      '    def flush(self):',
      '        for region in self.pending:',
      '            region.paint()',
      '        self.pending = []',
      '',
    ].join('\n'),
    'chart/frame_clock.py': [
      'class FrameClock:',
      '    def tick(self, now):',
      '        self.last = now',
      '        return now - self.last >= 16',
      '',
    ].join('\n'),
    'chart/version.py': 'VERSION = "1.0"\n',
    'chart/axis.py': 'class Axis:\n    def ticks(self, low, high):\n        return [low, high]\n',
    'chart/colors.py': 'PALETTE = ["#000", "#fff"]\n\ndef pick_color(index):\n    return PALETTE[index % 2]\n',
  });
  git(root, ['init', '-q']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'Initial chart package']);
  let revision = 0;
  // Each change appends a line that says nothing: only the commit message carries the words.
  // chart/version.py changes in every commit, as a version or changelog file does.
  const change = (files: string[], message: string): void => {
    revision += 1;
    for (const file of [...files, 'chart/version.py'])
      writeFileSync(path.join(root, file), `# r${revision}\n`, { flag: 'a' });
    git(root, ['commit', '-q', '-am', message]);
  };
  change(['chart/paint_scheduler.py', 'chart/frame_clock.py'], 'Fix tooltip flicker when hovering legend entries');
  change(['chart/axis.py'], 'Axis ticks include both ends');
  change(
    ['chart/paint_scheduler.py', 'chart/frame_clock.py'],
    'Hovering the legend no longer flickers the tooltip after a resize',
  );
  change(['chart/colors.py'], 'Two-color palette');
  return root;
}

const rankOf = (db: IndexedFixture['db'], goal: string, file: string, history: boolean): number =>
  rankFiles(rankChunks(db, goal, 200, { history })).findIndex((entry) => entry.path === file);

describe('history-aware ranking (a git history built at test time)', () => {
  let fixture: IndexedFixture;
  before(async () => {
    fixture = await indexFixture(chartRepository());
  });

  it('a goal like past fix messages lifts the file those fixes changed, which no goal word names', () => {
    const goal = 'Tooltip flickers while hovering over the legend';
    const without = rankOf(fixture.db, goal, 'chart/paint_scheduler.py', false);
    const withHistory = rankOf(fixture.db, goal, 'chart/paint_scheduler.py', true);
    assert.ok(withHistory >= 0, 'paint_scheduler.py is ranked with history');
    assert.ok(without === -1 || without > withHistory, `without history ${without}, with ${withHistory}`);
    const lifted = rankChunks(fixture.db, goal, 200).find((entry) => entry.chunk.path === 'chart/paint_scheduler.py')!;
    assert.ok(lifted.why.history > 0, 'why.history says what lifted it');
    const unrelated = rankChunks(fixture.db, goal, 200).find((entry) => entry.chunk.path === 'chart/axis.py');
    assert.equal(unrelated?.why.history ?? 0, 0, 'a commit whose message shares no goal word lifts nothing');
    const everywhere = rankChunks(fixture.db, goal, 200).find((entry) => entry.chunk.path === 'chart/version.py');
    assert.equal(everywhere?.why.history ?? 0, 0, 'a file every commit touches says nothing about any of them');
  });

  // The signal only: its fusion weight is 0 since cross-validation on SWE-bench (rank-chunks.ts WEIGHTS).
  it('a file that always changed together with the best match gets a co-change score', () => {
    const goal = 'schedule_repaint drops pending regions';
    const partner = rankChunks(fixture.db, goal, 200).find((entry) => entry.chunk.path === 'chart/frame_clock.py');
    assert.ok(partner && partner.why.co_change > 0, 'frame_clock.py gets a co-change score');
    const loner = rankChunks(fixture.db, goal, 200).find((entry) => entry.chunk.path === 'chart/colors.py');
    assert.equal(loner?.why.co_change ?? 0, 0, 'a file never committed with the match gets none');
  });
});

describe('the history index reads ancestors of HEAD only', () => {
  const commits = (fixture: IndexedFixture): string[] =>
    fixture.db.prepare('SELECT sha FROM history_commits ORDER BY sha').pluck().all() as string[];
  const messages = (fixture: IndexedFixture): string[] =>
    fixture.db
      .prepare('SELECT message FROM history_fts WHERE history_fts MATCH ?')
      .pluck()
      .all('frobnicate') as string[];

  it('a commit after HEAD (reset away, or on another branch) sits in the object store unread', async () => {
    const root = chartRepository();
    const head = git(root, ['rev-parse', 'HEAD']).trim();
    writeFileSync(path.join(root, 'chart/axis.py'), '# frobnicate the axis\n', { flag: 'a' });
    git(root, ['commit', '-q', '-am', 'Frobnicate the axis']);
    const future = git(root, ['rev-parse', 'HEAD']).trim();
    git(root, ['reset', '-q', '--hard', head]);
    git(root, ['checkout', '-q', '-b', 'side']);
    writeFileSync(path.join(root, 'chart/colors.py'), '# frobnicate colors\n', { flag: 'a' });
    git(root, ['commit', '-q', '-am', 'Frobnicate the colors on a side branch']);
    const side = git(root, ['rev-parse', 'HEAD']).trim();
    git(root, ['checkout', '-q', 'main']);
    assert.equal(git(root, ['cat-file', '-t', future]).trim(), 'commit', 'the later commit is in the object store');

    const fixture = await indexFixture(root);
    const kept = commits(fixture);
    assert.equal(kept.length, 5, 'the five ancestors of HEAD');
    assert.ok(!kept.includes(future) && !kept.includes(side), 'neither later commit was read');
    assert.deepEqual(messages(fixture), [], 'no later message reached the index');
    assert.equal(rankChunks(fixture.db, 'frobnicate', 50)[0]?.why.history ?? 0, 0);

    // HEAD moves forward onto the side branch: its commit joins; back again: it leaves.
    git(root, ['checkout', '-q', 'side']);
    await refreshIndex(fixture.db, scanOptionsFor(fixture.config), { history: { maxCommits: 100 } });
    assert.ok(commits(fixture).includes(side));
    git(root, ['checkout', '-q', 'main']);
    const back = await refreshIndex(fixture.db, scanOptionsFor(fixture.config), { history: { maxCommits: 100 } });
    assert.equal(back.history?.removed, 1);
    assert.ok(!commits(fixture).includes(side));
  });

  it('history_commits bounds the window to the newest commits; index_history = false keeps none', async () => {
    const root = chartRepository();
    const bounded = await indexFixture(root, { history_commits: 2 });
    assert.equal(commits(bounded).length, 2);
    const newest = git(root, ['rev-list', '--max-count=2', 'HEAD']).trim().split('\n').sort();
    assert.deepEqual(commits(bounded), newest);

    const off = await indexFixture(root, { index_history: false });
    assert.deepEqual(commits(off), []);
    const goal = 'Tooltip flickers while hovering over the legend';
    assert.ok(rankChunks(off.db, goal, 50).every((entry) => entry.why.history === 0 && entry.why.co_change === 0));
  });
});
