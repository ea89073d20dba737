import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_SCHEMA, type SectionSpec } from '../../../src/config/schema.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';

function keyPaths(section: SectionSpec, prefix = ''): string[] {
  return Object.entries(section.fields).flatMap(([key, spec]) => {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    if (spec.type === 'section') return keyPaths(spec, keyPath);
    if (spec.type === 'table_array') return keyPaths(spec.item, `${keyPath}[]`);
    if (spec.type === 'table_map') return keyPaths(spec.item, `${keyPath}.<${spec.keyName}>`);
    return [keyPath];
  });
}

describe('documentation of the config schema', () => {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const example = readFileSync(path.join(PROJECT_ROOT, '.codecontext.toml'), 'utf8');
  for (const keyPath of keyPaths(CONFIG_SCHEMA)) {
    it(`${keyPath} is in the README table and in the example file`, () => {
      assert.ok(readme.includes(`| \`${keyPath}\` |`), `README lists ${keyPath}`);
      const leaf = keyPath.split('.').pop()!;
      assert.match(example, new RegExp(`^#?\\s*${leaf} =`, 'm'), `.codecontext.toml shows ${keyPath}`);
    });
  }
});
