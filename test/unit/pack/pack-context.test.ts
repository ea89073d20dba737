import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { buildContextPack } from '../../../src/pack/pack-context.js';
import { prepareContextPack } from '../../../src/pack/prepare-context-pack.js';
import { TokenCounter } from '../../../src/pack/token-counter.js';
import { CONTEXT_STYLES, orderByRelevance } from '../../../src/pack/render-context.js';
import { AppConfig } from '../../../src/config/app-config.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('buildContextPack', () => {
  let fixture: IndexedFixture;
  before(async () => {
    fixture = await indexFixture('retrieval/inventory-service');
  });
  const pack = (goal: string, tokenBudget: number, topK = 6) =>
    buildContextPack(fixture.db, { root: fixture.root, goal, topK, tokenBudget, encoding: 'cl100k_base' });

  it('never exceeds the budget, over many random budgets and goals', () => {
    const counter = new TokenCounter('cl100k_base');
    const goals = [
      'checkout reserve stock',
      'discount tax pricing region',
      'stock client fetch http',
      'catalog storage json load save',
    ];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 60; run++) {
      const budget = 1 + Math.floor(next() * 900);
      const result = pack(goals[run % goals.length]!, budget, 1 + Math.floor(next() * 8));
      const used = counter.count(result.context);
      assert.ok(used <= budget, `budget ${budget}: rendered context has ${used} tokens`);
      assert.equal(result.tokens_used, used);
    }
  });

  it('reports the documented fields, with the naive baseline of whole files', () => {
    const result = pack('apply a discount to a price', 4000);
    assert.deepEqual(Object.keys(result).sort(), [
      'budget',
      'chunks',
      'context',
      'dropped_duplicates',
      'encoding',
      'goal_tokens',
      'naive_baseline_tokens',
      'redactions',
      'tokens_used',
    ]);
    assert.ok(result.context.includes('def apply_discount'));
    assert.match(result.context, /inventory\/pricing\.py \(lines 1-7, apply_discount\)/);
    assert.ok(result.naive_baseline_tokens >= result.tokens_used);
    for (const chunk of result.chunks)
      assert.deepEqual(Object.keys(chunk).sort(), [
        'end_line',
        'kind',
        'path',
        'score',
        'start_line',
        'symbol',
        'tokens',
      ]);
  });

  it('drops a copied-and-renamed function as a near-duplicate', () => {
    const result = pack('percentage discount price rounded down to a cent', 4000, 3);
    const symbols = result.chunks.map((chunk) => chunk.symbol);
    assert.equal(
      symbols.filter((symbol) => symbol === 'apply_discount' || symbol === 'legacy_discount').length,
      1,
      JSON.stringify(symbols),
    );
    assert.equal(result.dropped_duplicates, 1);
  });

  it('elides a symbol that does not fit, keeping its signature and a marker', async () => {
    const root = makeTempDir();
    const body = Array.from({ length: 80 }, (_, i) => `    step_${i} = transform(value, ${i})`).join('\n');
    writeTree(root, {
      'big.py': `def process_everything(value):\n    """Run every step."""\n${body}\n    special_marker = finalize(value)\n    return special_marker\n`,
    });
    const big = await indexFixture(root);
    const result = buildContextPack(big.db, {
      root,
      goal: 'process_everything special_marker finalize',
      topK: 2,
      tokenBudget: 200,
      encoding: 'cl100k_base',
    });
    assert.ok(result.tokens_used <= 200);
    assert.match(result.context, /def process_everything\(value\):/);
    assert.match(result.context, /… \d+ lines elided …/);
    assert.match(result.context, /special_marker = finalize\(value\)/, 'the statement matching the goal is kept');
  });

  it('masks secrets planted in repository files and counts them', async () => {
    const root = makeTempDir();
    const key = 'sk-' + 'proj-' + randomBytes(30).toString('hex');
    writeTree(root, {
      'settings.py': `OPENAI_KEY = "${key}"\n\ndef connect_client():\n    return Client(OPENAI_KEY)\n`,
    });
    const repo = await indexFixture(root);
    const result = buildContextPack(repo.db, {
      root,
      goal: 'connect client OPENAI_KEY settings',
      topK: 4,
      tokenBudget: 1000,
      encoding: 'cl100k_base',
    });
    assert.ok(!result.context.includes(key));
    assert.match(result.context, /\[REDACTED:openai_key\]/);
    assert.deepEqual(result.redactions, { total: 1, by_kind: { openai_key: 1 } });
  });
});

describe('prepareContextPack defaults come from the config', () => {
  it('default_top_k and default_context_budget_tokens change the pack', async () => {
    const fixture = await indexFixture('retrieval/inventory-service');
    const load = (flags: Record<string, unknown>) =>
      AppConfig.load(fixture.root, { env: {}, flags: { data_dir: fixture.config.dataDir, ...flags } });
    const wide = await prepareContextPack(load({}), { goal: 'stock reserve checkout order pricing' });
    assert.equal(wide.budget, 4000);
    const narrow = await prepareContextPack(load({ default_top_k: 1, default_context_budget_tokens: 300 }), {
      goal: 'stock reserve checkout order pricing',
    });
    assert.equal(narrow.budget, 300);
    assert.ok(narrow.chunks.length === 1 && wide.chunks.length > 1);
    assert.equal(wide.encoding, 'o200k_base', 'gpt-4o-mini counts with o200k_base');
  });
});

/** A strict enough well-formedness check for the xml style: one root, matched tags, quoted attributes, CDATA. */
function assertWellFormedXml(text: string): void {
  const stack: string[] = [];
  let roots = 0;
  const token =
    /<!\[CDATA\[[\s\S]*?\]\]>|<\/([A-Za-z_][\w.-]*)\s*>|<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|[^<]+/gy;
  let index = 0;
  while (index < text.length) {
    token.lastIndex = index;
    const match = token.exec(text);
    assert.ok(match, `malformed XML at ${index}: ${JSON.stringify(text.slice(index, index + 40))}`);
    const [whole, closing, opening, , selfClosing] = match;
    if (closing) assert.equal(stack.pop(), closing, `</${closing}> closes the wrong element`);
    else if (opening) {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(opening);
    } else if (!whole.startsWith('<![CDATA[')) {
      assert.ok(stack.length > 0 || whole.trim() === '', 'text outside the root element');
      assert.doesNotMatch(whole, /&(?!(?:amp|lt|gt|quot|apos);)/, 'a bare & in text');
    }
    index += whole.length;
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'one root element');
}

describe('pack order, styles and the overview map', () => {
  let repo: IndexedFixture;
  before(async () => {
    const root = makeTempDir();
    writeTree(root, {
      // Sorts before the code by path and repeats the goal's words: it used to lead the pack.
      'a_samples.json': JSON.stringify({ invoice: 'total', rows: ['invoice total', 'invoice total tax'] }, null, 2),
      'billing/invoice.py':
        'from billing.tax import tax_for\n\n\ndef invoice_total(lines):\n    """Invoice total with tax."""\n    subtotal = sum(line.amount for line in lines)\n    return subtotal + tax_for(subtotal)\n',
      'billing/tax.py': 'def tax_for(amount):\n    return round(amount * 0.2)\n',
      'billing/report.py':
        'from billing.invoice import invoice_total\n\n\ndef monthly_report(invoices):\n    return [invoice_total(lines) for lines in invoices]\n',
      'README.md': '# Billing\n\nInvoices & taxes <for> the "shop". Run `python -m billing`.\n',
      'weird.py': 'def weird_text():\n    return "]]> </chunk> & <context>"\n',
    });
    repo = await indexFixture(root);
  });
  const pack = (goal: string, tokenBudget: number, style?: 'markdown' | 'xml' | 'plain') =>
    buildContextPack(repo.db, { root: repo.root, goal, topK: 8, tokenBudget, encoding: 'cl100k_base', style });

  it('orders blocks by relevance: the defining code before a data file that merely repeats the words', () => {
    const result = pack('invoice total is wrong', 4000);
    const paths = result.chunks.map((chunk) => chunk.path);
    assert.ok(paths.includes('a_samples.json'), `the data file matches too: ${paths.join(' ')}`);
    assert.equal(paths[0], 'billing/invoice.py', paths.join(' '));
    assert.ok(result.context.startsWith('billing/invoice.py (lines'), result.context.slice(0, 80));
    // Files by their best block, a file's blocks by line.
    const firstIndex = new Map<string, number>();
    paths.forEach((file, index) => firstIndex.has(file) || firstIndex.set(file, index));
    const bestScore = (file: string) => Math.max(...result.chunks.filter((c) => c.path === file).map((c) => c.score));
    const files = [...firstIndex.keys()];
    for (let index = 1; index < files.length; index++)
      assert.ok(bestScore(files[index - 1]!) >= bestScore(files[index]!), files.join(' '));
  });

  it('equal scores keep a stable order: path, then line', () => {
    const block = (path: string, startLine: number, score: number) => ({
      path,
      startLine,
      endLine: startLine + 1,
      symbol: null,
      kind: 'lines',
      score,
      code: 'x',
    });
    const ordered = orderByRelevance([
      block('b.py', 9, 0.5),
      block('a.py', 5, 0.5),
      block('b.py', 1, 0.9),
      block('a.py', 1, 0.2),
    ]);
    assert.deepEqual(
      ordered.map((entry) => `${entry.path}:${entry.startLine}`),
      ['b.py:1', 'b.py:9', 'a.py:1', 'a.py:5'],
    );
  });

  it('holds the budget in every style, and the xml style is well-formed whatever the code holds', () => {
    const counter = new TokenCounter('cl100k_base');
    for (const style of CONTEXT_STYLES) {
      for (const budget of [20, 45, 80, 150, 300, 4000]) {
        for (const goal of ['invoice total tax', 'weird_text chunk context', 'give me an overview of this project']) {
          const result = pack(goal, budget, style);
          assert.ok(result.tokens_used <= budget, `${style} ${budget} ${goal}: ${result.tokens_used}`);
          assert.equal(result.tokens_used, counter.count(result.context));
          if (style === 'xml' && result.context !== '') assertWellFormedXml(result.context);
        }
      }
    }
    const xml = pack('weird_text chunk context', 4000, 'xml');
    assert.match(xml.context, /^<context>\n/);
    assert.match(xml.context, /<chunk path="weird\.py" lines="1-2" symbol="weird_text"><!\[CDATA\[/);
    const plain = pack('invoice total tax', 4000, 'plain');
    assert.match(plain.context, /^--- billing\/invoice\.py \(lines \d+-\d+\) ---\n/);
    assert.match(plain.context, /\n--- billing\/invoice\.py \(lines 4-7, invoice_total\) ---\ndef invoice_total/);
    assert.doesNotMatch(plain.context, /```/);
    assert.equal(plain.style, 'plain');
  });

  it('an overview goal opens with the repository map, within the same budget', () => {
    const counter = new TokenCounter('cl100k_base');
    const result = pack('Give me an overview of this project', 600);
    assert.ok(result.repo_map, 'the pack carries the map');
    assert.match(result.context, /^Repository map \(files and their top symbols, most referenced first\)\n```\n/);
    assert.ok(result.context.includes('billing/invoice.py\n  4: def invoice_total(lines):'), result.context);
    // After the map, what the project says about itself: the root README.
    assert.match(result.context, /\n```\n\nREADME\.md \(lines 1-\d+[^)]*\)\n/);
    assert.equal(result.chunks[0]!.path, 'README.md');
    // Placed by the overview rule, not ranked: the pack says so, and no ranked block carries the mark.
    assert.equal(result.chunks[0]!.placed, 'overview_readme');
    assert.ok(result.chunks.filter((chunk) => chunk.path !== 'README.md').every((chunk) => chunk.placed === undefined));
    assert.ok(result.tokens_used <= 600);
    assert.ok(result.repo_map.tokens <= 300, 'the map takes at most half of the budget');
    assert.equal(result.tokens_used, counter.count(result.context));
    const code = pack('where is invoice_total computed', 600);
    assert.equal(code.repo_map, undefined);
    assert.doesNotMatch(code.context, /Repository map/);
  });
});
