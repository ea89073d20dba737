import { SECRET_PATTERNS } from '../shared/secret-patterns.js';

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

const RULES: readonly RedactionRule[] = [
  {
    kind: 'private_key',
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----/g,
    group: 0,
  },
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
    pattern: new RegExp(String.raw`\b[\w.-]*${CREDENTIAL_KEY}["']?\s*[:=]\s*["']([^"'\s$<>{}]{8,})["']`, 'gi'),
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
