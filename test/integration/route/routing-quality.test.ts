import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadRoutingCases, measureRouting } from '../../../src/bench/measure-routing.js';
import { LocalAnswerer } from '../../../src/route/answer-locally.js';
import { classifyRequest } from '../../../src/route/classify-request.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';

/** Floors for the labelled routing set (bench/datasets/routing): route accuracy, and hard prompts kept off local routes. */
const ACCURACY_FLOOR = 85;
const HARD_LOCAL_CEILING = 5;

describe('routing quality on bench/datasets/routing/*.jsonl', () => {
  let fixture: IndexedFixture;
  before(async () => {
    fixture = await indexFixture('retrieval/inventory-service');
  });

  it(`routes ≥ ${ACCURACY_FLOOR}% of prompts to their labelled class and ≤ ${HARD_LOCAL_CEILING}% of hard prompts locally`, () => {
    const directory = path.join(PROJECT_ROOT, 'bench', 'datasets', 'routing');
    const cases = readdirSync(directory)
      .filter((file) => file.endsWith('.jsonl'))
      .sort()
      .flatMap((file) => loadRoutingCases(path.join(directory, file)));
    assert.ok(cases.length >= 150, `${cases.length} labelled prompts`);
    const answerer = new LocalAnswerer(fixture.db);
    const quality = measureRouting(cases, (prompt) =>
      classifyRequest(prompt, {
        routing: fixture.config.values.routing,
        hasLocalModel: true,
        resolvesLookup: (lookup) => answerer.resolves(lookup),
      }),
    );
    process.stderr.write(
      `routing: accuracy ${quality.accuracy_pct}%, tier accuracy ${quality.tier_accuracy_pct}%, hard sent local ${quality.hard_sent_local_pct}%\n`,
    );
    process.stderr.write(`confusion (expected → got): ${JSON.stringify(quality.confusion)}\n`);
    for (const miss of quality.misses)
      process.stderr.write(`  miss: ${miss.expected} → ${miss.got}: ${miss.prompt} (${miss.reason})\n`);
    assert.ok(quality.accuracy_pct >= ACCURACY_FLOOR, `accuracy ${quality.accuracy_pct}%`);
    assert.ok(
      quality.hard_sent_local_pct <= HARD_LOCAL_CEILING,
      `hard prompts sent local: ${quality.hard_sent_local_pct}%`,
    );
  });
});
