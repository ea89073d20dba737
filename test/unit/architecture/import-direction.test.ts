import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';

/**
 * Imports flow down the pipeline (see ../shared/STYLE.md). A stage may import from its own folder and from stages
 * listed before it; `cli/`, `server/` and `setup/` are imported by nobody but the entry points.
 */
const ORDER = [
  'shared',
  'config',
  'scan',
  'parse',
  'indexing',
  'patch',
  'retrieve',
  'pack',
  'providers',
  'storage',
  'ledger',
  'route',
  'pipeline',
  'report',
  'bench',
  'operations',
  'server',
  'setup',
  'cli',
];
/** `setup/` (init, install --host) may use any stage; only the CLI uses it. */
const IMPORTED_BY_NOBODY = new Set(['cli', 'server', 'setup']);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('src import direction', () => {
  const srcRoot = path.join(PROJECT_ROOT, 'src');
  it('every stage folder is known', () => {
    const folders = readdirSync(srcRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    for (const folder of folders) assert.ok(ORDER.includes(folder), `unknown stage folder src/${folder}`);
  });

  it('no file imports a later stage, and nothing imports cli/ or server/', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(srcRoot)) {
      const relative = path.relative(srcRoot, file);
      const stage = relative.includes(path.sep) ? relative.split(path.sep)[0]! : null;
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
        const target = path.relative(srcRoot, path.resolve(path.dirname(file), match[1]!));
        const targetStage = target.split(path.sep)[0]!;
        if (stage === null || targetStage === stage) continue;
        const allowed =
          ORDER.indexOf(targetStage) < ORDER.indexOf(stage) &&
          !(IMPORTED_BY_NOBODY.has(targetStage) && stage !== 'cli');
        if (!allowed) violations.push(`${relative} imports ${target}`);
      }
    }
    assert.deepEqual(violations, []);
  });
});
