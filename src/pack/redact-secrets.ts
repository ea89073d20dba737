import { SECRET_PATTERNS } from '../shared/secret-patterns.js';
import { yieldToEventLoop } from '../shared/yield-to-event-loop.js';

/**
 * Masks high-confidence secrets in anything that can leave the machine (context packs now; goals and outbound
 * payloads when they are sent). Every rule is anchored on a vendor prefix, a PEM header or an assignment to a
 * credential-named key, so git SHAs, UUIDs, content hashes and ordinary base64 stay as they are.
 */
interface RedactionRule {
  kind: string;
  pattern: RegExp;
  /** Which capture group is the secret; 0 = the whole match. */
  group: number;
}

const CREDENTIAL_KEY = String.raw`(?:password|passwd|pwd|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|secret[_-]?key|private[_-]?key|token)`;

const PEM_BEGIN = String.raw`-----BEGIN [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----`;
const PEM_END = String.raw`-----END [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----`;
/**
 * What follows a BEGIN line whose END never came (a cut-off paste): base64, spaces, line breaks (real or `\n`
 * escapes inside a JSON string) and the `Proc-Type:` / `DEK-Info:` headers of an encrypted key, up to the first
 * character that cannot be key material or a blank line. Masking to there may take a word of the text after it;
 * leaving the rest of a key would be worse.
 */
const PEM_REST_OF_BLOCK = String.raw`(?:(?:Proc-Type|DEK-Info):[^\r\n]*(?:\r?\n[ \t]*){0,2}|[A-Za-z0-9+/=]|[ \t]|\r?\n(?![ \t]*\r?\n)|\\[rn])*`;

const TRUNCATED_BLOCK = new RegExp(`${PEM_BEGIN}${PEM_REST_OF_BLOCK}`, 'y');

const RULES: readonly RedactionRule[] = [
  // A whole block: the body may hold anything but another BEGIN or END line, so every BEGIN scans only to the next
  // one and many unterminated BEGINs cost linear time, not quadratic.
  {
    kind: 'private_key',
    pattern: new RegExp(`${PEM_BEGIN}(?:(?!-----(?:BEGIN|END) )[\\s\\S])*${PEM_END}`, 'g'),
    group: 0,
  },
  { kind: 'private_key', pattern: new RegExp(`${PEM_BEGIN}${PEM_REST_OF_BLOCK}`, 'g'), group: 0 },
  ...SECRET_PATTERNS.filter((rule) => rule.kind !== 'private_key').map((rule) => ({
    kind: rule.kind,
    pattern: new RegExp(rule.pattern.source, 'g'),
    group: 0,
  })),
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, group: 0 },
  {
    kind: 'aws_secret_key',
    pattern: /\baws_secret_access_key\b["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  { kind: 'azure_storage_key', pattern: /\bAccountKey=([A-Za-z0-9+/=]{40,})/g, group: 1 },
  // key = "literal" / key: 'literal' — a quoted value of 8+ characters without spaces, assigned to a credential key.
  {
    kind: 'credential_assignment',
    // Starts where a run of name characters starts (not at every \b inside it): linear, not quadratic, in a long run.
    pattern: new RegExp(String.raw`(?<![\w.-])[\w.-]*${CREDENTIAL_KEY}["']?\s*[:=]\s*["']([^"'\s$<>{}]{8,})["']`, 'gi'),
    group: 1,
  },
  // KEY=value lines of .env / .ini / .properties files (unquoted), not code: the line is only the assignment.
  {
    kind: 'credential_assignment',
    pattern: new RegExp(
      String.raw`^[ \t]*(?:export[ \t]+)?[\w.-]*${CREDENTIAL_KEY}[ \t]*[:=][ \t]*([^\s"'$<>{}()\[\],;]{8,})[ \t]*$`,
      'gim',
    ),
    group: 1,
  },
];

export interface RedactionSummary {
  total: number;
  by_kind: Record<string, number>;
}

export interface RedactedText {
  text: string;
  redactions: RedactionSummary;
}

/** Looks like a placeholder or a code expression rather than a value: left alone. */
function isPlaceholder(value: string): boolean {
  return (
    /^(x+|\*+|changeme|password|example|placeholder|your[_-].*|none|null|true|false|undefined)$/i.test(value) ||
    /^[A-Z_]+$/.test(value)
  );
}

/** Texts longer than this are redacted in slices by `redactSecretsInSlices`, the event loop free between them. */
export const SLICE_CHARS = 64 * 1024;

/**
 * Where a slice may end without hiding a secret from the rules: after a line break (every rule but the PEM block
 * stays within a line), and never inside a private-key block (a BEGIN whose END, or end of block, is further on).
 */
function sliceEnd(text: string, start: number): number {
  if (start + SLICE_CHARS >= text.length) return text.length;
  // Searched within the window only: lastIndexOf over the whole text would make the slicing quadratic.
  const window = text.slice(start, start + SLICE_CHARS);
  const newline = window.lastIndexOf('\n');
  let end = start + (newline > 0 ? newline + 1 : SLICE_CHARS);
  const begin = window.lastIndexOf('-----BEGIN ', end - start);
  if (begin !== -1 && window.lastIndexOf('-----END ', end - start) < begin)
    end = Math.max(end, blockEnd(text, start + begin));
  return end;
}

/** Where the block opened at `begin` ends: after its END line when END comes before any other BEGIN, else where its key material stops. */
function blockEnd(text: string, begin: number): number {
  const close = text.indexOf('-----END ', begin);
  const next = text.indexOf('-----BEGIN ', begin + 1);
  if (close !== -1 && (next === -1 || close < next)) {
    const line = text.indexOf('\n', close);
    return line === -1 ? text.length : line + 1;
  }
  TRUNCATED_BLOCK.lastIndex = begin;
  const match = TRUNCATED_BLOCK.exec(text);
  return match ? begin + match[0].length : begin + 1;
}

/**
 * `redactSecrets` for a long text (a client's 4 MiB body) in slices cut where no rule can span them, yielding to
 * the event loop between slices so one request never holds the gateway for the whole pass.
 */
export async function redactSecretsInSlices(text: string): Promise<RedactedText> {
  if (text.length <= SLICE_CHARS) return redactSecrets(text);
  const parts: string[] = [];
  const byKind: Record<string, number> = {};
  for (let start = 0; start < text.length;) {
    const end = sliceEnd(text, start);
    const slice = redactSecrets(text.slice(start, end));
    parts.push(slice.text);
    for (const [kind, count] of Object.entries(slice.redactions.by_kind)) byKind[kind] = (byKind[kind] ?? 0) + count;
    start = end;
    await yieldToEventLoop();
  }
  const total = Object.values(byKind).reduce((sum, count) => sum + count, 0);
  return { text: parts.join(''), redactions: { total, by_kind: byKind } };
}

/** Mask every secret in `text` with `[REDACTED:<kind>]`, counting by kind. */
export function redactSecrets(text: string): RedactedText {
  const byKind: Record<string, number> = {};
  let result = text;
  for (const rule of RULES) {
    result = result.replace(rule.pattern, (match: string, ...groups: unknown[]) => {
      const secret = rule.group === 0 ? match : (groups[rule.group - 1] as string | undefined);
      if (!secret || secret.startsWith('[REDACTED:') || (rule.group > 0 && isPlaceholder(secret))) return match;
      byKind[rule.kind] = (byKind[rule.kind] ?? 0) + 1;
      return match.replace(secret, `[REDACTED:${rule.kind}]`);
    });
  }
  const total = Object.values(byKind).reduce((sum, count) => sum + count, 0);
  return { text: result, redactions: { total, by_kind: byKind } };
}
