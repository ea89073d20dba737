/**
 * High-confidence secret shapes. Shared by the config loader (a literal key in .codecontext.toml is an error) and,
 * later, by redaction of everything that leaves the machine. Each pattern is anchored on a vendor prefix or a PEM
 * header so that git SHAs, UUIDs and ordinary base64 do not match.
 */
export interface SecretPattern {
  kind: string;
  pattern: RegExp;
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: 'private_key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----/ },
  { kind: 'anthropic_key', pattern: /\bsk-ant-[A-Za-z0-9_-]{16,}/ },
  { kind: 'openai_key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/ },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'gcp_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'github_token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: 'slack_token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
];

/** The kind of the first secret shape found in `value`, or undefined. */
export function findSecretKind(value: string): string | undefined {
  for (const { kind, pattern } of SECRET_PATTERNS) if (pattern.test(value)) return kind;
  return undefined;
}

/** Config keys whose string value would be a credential itself (`api_key_env` names a variable and is fine). */
export const SECRET_KEY_NAME = /(^|_)(api_?key|secret|secret_key|token|access_token|auth_token|password|passwd)$/i;
