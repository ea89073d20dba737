import { CodeContextError } from '../shared/errors.js';
import type { FieldSpec, SectionSpec } from './schema.js';
import type { RawTable, ValueSources } from './validate-config.js';

/** `llm_client.model` → `CODECONTEXT_LLM_CLIENT_MODEL`. Keys inside [[arrays]] have no variable. */
export function envNameFor(keyPath: string): string {
  return `CODECONTEXT_${keyPath.replace(/\./g, '_').toUpperCase()}`;
}

function parseEnvValue(name: string, spec: FieldSpec, text: string): unknown {
  const fail = (expected: string): never => {
    throw new CodeContextError('config', `${name}: expected ${expected}`);
  };
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const value = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(value)) fail(spec.type === 'integer' ? 'an integer' : 'a number');
      return value;
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(text.trim())) return true;
      if (/^(0|false|no|off)$/i.test(text.trim())) return false;
      return fail('true or false');
    case 'string':
      return text;
    case 'string[]':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
  }
}

/** Collect `CODECONTEXT_*` overrides as a raw snake_case table, recording each value's variable in `sources`. */
export function readEnvOverrides(
  spec: SectionSpec,
  env: NodeJS.ProcessEnv,
  sources: ValueSources,
  prefix = '',
): RawTable {
  const table: RawTable = {};
  for (const [key, child] of Object.entries(spec.fields)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    if (child.type === 'section') {
      const nested = readEnvOverrides(child, env, sources, keyPath);
      if (Object.keys(nested).length > 0) table[key] = nested;
      continue;
    }
    if (child.type === 'table_array' || child.type === 'table_map') continue;
    const name = envNameFor(keyPath);
    const text = env[name];
    if (text === undefined || text === '') continue;
    table[key] = parseEnvValue(name, child, text);
    sources.set(keyPath, name);
  }
  return table;
}
