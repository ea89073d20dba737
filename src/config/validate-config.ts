import { CodeContextError } from '../shared/errors.js';
import { suggestClosest } from '../shared/did-you-mean.js';
import { findSecretKind, SECRET_KEY_NAME } from '../shared/secret-patterns.js';
import type { FieldSpec, SectionSpec, Spec } from './schema.js';

export type RawTable = Record<string, unknown>;

/** Where each value came from, keyed by dotted key path, so errors can name the file line or the variable. */
export type ValueSources = Map<string, string>;

function isTable(value: unknown): value is RawTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function configError(keyPath: string, message: string, sources: ValueSources): CodeContextError {
  const source = sources.get(keyPath);
  return new CodeContextError('config', `${keyPath}: ${message}${source ? ` (from ${source})` : ''}`, {
    details: { key: keyPath },
  });
}

function describeRange(kind: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `expected ${kind} between ${min} and ${max}`;
  if (min !== undefined) return `expected ${kind} >= ${min}`;
  if (max !== undefined) return `expected ${kind} <= ${max}`;
  return `expected ${kind}`;
}

function checkField(keyPath: string, spec: FieldSpec, value: unknown, sources: ValueSources): unknown {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const article = spec.type === 'integer' ? 'an integer' : 'a number';
      const ok =
        typeof value === 'number' && Number.isFinite(value) && (spec.type === 'number' || Number.isInteger(value));
      if (!ok || (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        throw configError(keyPath, describeRange(article, spec.min, spec.max), sources);
      }
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw configError(keyPath, 'expected true or false', sources);
      return value;
    case 'string':
      if (typeof value !== 'string') throw configError(keyPath, 'expected a string', sources);
      if (spec.enum && !spec.enum.includes(value)) {
        throw configError(keyPath, `expected one of ${spec.enum.join(', ')}`, sources);
      }
      return value;
    case 'string[]':
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
        throw configError(keyPath, 'expected an array of strings', sources);
      }
      return [...value];
  }
}

/**
 * Refuse literal credentials before anything else looks at the file, so neither an "unknown key" message nor any
 * later error can echo one. The value is never part of the message.
 */
export function rejectLiteralSecrets(raw: unknown, sources: ValueSources, prefix = ''): void {
  if (Array.isArray(raw)) {
    raw.forEach((item, index) => rejectLiteralSecrets(item, sources, `${prefix}[${index}]`));
    return;
  }
  if (!isTable(raw)) return;
  for (const [key, value] of Object.entries(raw)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') {
      const kind = findSecretKind(value);
      const namedLikeSecret = SECRET_KEY_NAME.test(key) && value.length > 0;
      if (kind || namedLikeSecret) {
        throw configError(
          keyPath,
          `literal secrets are not allowed in the config file (value not shown${kind ? `; looks like ${kind}` : ''}); ` +
            'put the key in an environment variable and name it with api_key_env',
          sources,
        );
      }
    } else {
      rejectLiteralSecrets(value, sources, keyPath);
    }
  }
}

/** Validate a raw (snake_case) table against a section spec and fill defaults. Throws on the first problem. */
export function validateSection(spec: SectionSpec, raw: unknown, keyPath: string, sources: ValueSources): RawTable {
  if (!isTable(raw)) throw configError(keyPath || '(top level)', 'expected a table', sources);
  for (const key of Object.keys(raw)) {
    if (!(key in spec.fields)) {
      const fullPath = keyPath ? `${keyPath}.${key}` : key;
      const suggestion = suggestClosest(key, Object.keys(spec.fields));
      throw configError(
        fullPath,
        `unknown key${suggestion ? `; did you mean ${keyPath ? `${keyPath}.` : ''}${suggestion}?` : ''}`,
        sources,
      );
    }
  }
  const result: RawTable = {};
  for (const [key, child] of Object.entries(spec.fields)) {
    const childPath = keyPath ? `${keyPath}.${key}` : key;
    result[key] = validateValue(child, raw[key], childPath, sources);
  }
  return result;
}

function validateValue(spec: Spec, value: unknown, keyPath: string, sources: ValueSources): unknown {
  if (spec.type === 'section') return validateSection(spec, value ?? {}, keyPath, sources);
  if (spec.type === 'table_array') {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw configError(keyPath, `expected an array of tables ([[${keyPath}]])`, sources);
    return value.map((item, index) => validateSection(spec.item, item, `${keyPath}[${index}]`, sources));
  }
  if (spec.type === 'table_map') {
    if (value === undefined) return {};
    if (!isTable(value)) throw configError(keyPath, `expected tables ([${keyPath}."<${spec.keyName}>"])`, sources);
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, validateSection(spec.item, item, `${keyPath}.${key}`, sources)]),
    );
  }
  if (value === undefined) return spec.default === undefined ? undefined : structuredClone(spec.default);
  return checkField(keyPath, spec, value, sources);
}
