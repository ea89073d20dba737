import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

/**
 * The library as a user gets it: `npm pack`, unpacked into a temp project's node_modules, imported by name.
 * Its dependencies are linked from this checkout's node_modules (installing them would rebuild the native
 * modules for minutes); the package's own files — exports map, dist, the price table — are the packed ones.
 */
describe('the packed package', () => {
  it('imports by name and runs AppConfig → indexProject → AutoExecutor', () => {
    const work = makeTempDir('codecontext-pack-');
    // dist is built by `npm test` before the suite runs; scripts are skipped so packing does not rebuild it.
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop()!;
    const project = path.join(work, 'project');
    const installed = path.join(project, 'node_modules', 'codecontext');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', installed, '--strip-components=1']);
    for (const dependency of readdirSync(path.join(PROJECT_ROOT, 'node_modules'))) {
      if (dependency.startsWith('.') || dependency === 'codecontext') continue;
      symlinkSync(path.join(PROJECT_ROOT, 'node_modules', dependency), path.join(project, 'node_modules', dependency));
    }
    const repo = path.join(work, 'repo');
    cpSync(path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service'), repo, { recursive: true });
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', type: 'module', private: true }),
    );
    writeFileSync(
      path.join(project, 'use.mjs'),
      `
      import { AppConfig, indexProject, CodeContextGateway, AutoExecutor } from 'codecontext';
      const config = AppConfig.load(${JSON.stringify(repo)}, { env: {}, flags: { enable_embeddings: false } });
      let progressEvents = 0;
      await indexProject(config, { onProgress: () => progressEvents++ });
      const executor = new AutoExecutor(new CodeContextGateway(config, {}));
      const lookup = await executor.start({ goal: 'where is compute_tax defined?' });
      const dryRun = await executor.start({ goal: 'why does checkout fail with InsufficientStock?', topK: 4, tokenBudget: 800 });
      console.log(JSON.stringify({ progressEvents, lookup: [lookup.chosen_route, lookup.answer], dryRun: [dryRun.chosen_route, dryRun.dry_run, dryRun.context.budget, Object.keys(dryRun)] }));
    `,
    );
    const output = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' }));
    assert.ok(output.progressEvents > 0);
    assert.deepEqual(output.lookup, [
      'local_answer',
      'compute_tax is defined at: inventory/pricing.py:10 (compute_tax)',
    ]);
    assert.deepEqual(output.dryRun.slice(0, 3), ['external', true, 800]);
    for (const field of [
      'chosen_route',
      'tier',
      'class_reason',
      'complexity_score',
      'cost_estimate',
      'savings',
      'run_id',
      'answer',
      'usage',
      'context',
      'outbound_payload',
      'dry_run',
    ]) {
      assert.ok(output.dryRun[3].includes(field), field);
    }
  });
});
