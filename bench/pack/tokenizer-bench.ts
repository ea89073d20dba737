/**
 * gpt-tokenizer (what codecontext counts with) beside js-tiktoken (the design card's choice) in one run: load time
 * of each encoding in a fresh process, encode throughput, and whether the two agree on every input.
 * Inputs: this repository's source plus the Python stdlib's `json`, `email` and `asyncio` packages.
 * Usage: node --import tsx bench/pack/tokenizer-bench.ts. Prints one JSON object on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
  encoding: 'utf8',
}).trim();
const files = [
  path.join(projectRoot, 'src'),
  ...['json', 'email', 'asyncio'].map((name) => path.join(stdlib, name)),
].flatMap((directory) =>
  readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|py)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name)),
);
const texts = files.map((file) => readFileSync(file, 'utf8'));
const megabytes = texts.reduce((sum, text) => sum + text.length, 0) / 1e6;

function loadMs(snippet: string): number {
  const runs = Array.from({ length: 3 }, () => {
    const out = spawnSync(
      process.execPath,
      ['-e', `const t=performance.now();${snippet};console.log(performance.now()-t)`],
      { cwd: projectRoot, encoding: 'utf8' },
    );
    return Number(out.stdout.trim());
  });
  return Math.round(runs.sort((a, b) => a - b)[1]!);
}

const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  files: texts.length,
  mb: +megabytes.toFixed(2),
};
for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
  const gpt = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as {
    encode: (text: string, options: object) => number[];
  };
  const tiktoken = (
    require('js-tiktoken') as {
      getEncoding: (name: string) => { encode: (text: string, allowed: unknown[], disallowed: unknown[]) => number[] };
    }
  ).getEncoding(encoding);
  let disagreements = 0;
  let tokens = 0;
  let start = performance.now();
  const gptIds = texts.map((text) => gpt.encode(text, { disallowedSpecial: new Set() }));
  const gptMs = performance.now() - start;
  start = performance.now();
  const tiktokenIds = texts.map((text) => tiktoken.encode(text, [], []));
  const tiktokenMs = performance.now() - start;
  gptIds.forEach((ids, index) => {
    tokens += ids.length;
    const other = tiktokenIds[index]!;
    if (ids.length !== other.length || ids.some((id, position) => id !== other[position])) disagreements++;
  });
  result[encoding] = {
    tokens,
    disagreements,
    gpt_tokenizer: {
      load_ms: loadMs(`require('gpt-tokenizer/cjs/encoding/${encoding}')`),
      m_tokens_per_s: +(tokens / gptMs / 1000).toFixed(2),
    },
    js_tiktoken: {
      load_ms: loadMs(`require('js-tiktoken').getEncoding('${encoding}')`),
      m_tokens_per_s: +(tokens / tiktokenMs / 1000).toFixed(2),
    },
  };
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
