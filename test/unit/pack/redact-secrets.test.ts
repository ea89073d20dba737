import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { redactSecrets, redactSecretsInSlices } from '../../../src/pack/redact-secrets.js';

// Secrets are assembled at test time so this file holds no secret-shaped literal.
const alnum = (length: number): string =>
  randomBytes(length * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length);
const upper = (length: number): string =>
  randomBytes(length * 2)
    .toString('hex')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, length);

describe('redactSecrets', () => {
  const planted: Array<[string, string, string]> = [
    ['openai_key', 'sk-' + 'proj-' + alnum(40), 'const key = "$";'],
    ['anthropic_key', 'sk-' + 'ant-' + 'api03-' + alnum(40), 'ANTHROPIC = $'],
    ['aws_access_key', 'AKIA' + upper(16), 'aws_access_key_id = $'],
    ['gcp_api_key', 'AIza' + alnum(35), 'maps_key: "$"'],
    ['github_token', 'ghp' + '_' + alnum(36), 'token = "$"'],
    ['slack_token', 'xoxb' + '-' + alnum(24), 'SLACK=$'],
    ['jwt', 'eyJ' + alnum(20) + '.eyJ' + alnum(30) + '.' + alnum(30), 'Authorization: Bearer $'],
    ['aws_secret_key', alnum(40), 'aws_secret_access_key = $'],
    [
      'azure_storage_key',
      alnum(86) + '==',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=$;EndpointSuffix=core.windows.net',
    ],
    ['credential_assignment', 'hunter2-' + alnum(10), 'db_password = "$"'],
    ['credential_assignment', 'pa55' + alnum(12), 'DB_PASSWORD=$'],
  ];

  for (const [kind, secret, template] of planted) {
    it(`masks ${kind}`, () => {
      const { text, redactions } = redactSecrets(`before\n${template.replace('$', secret)}\nafter`);
      assert.ok(!text.includes(secret), text);
      assert.match(
        text,
        new RegExp(
          `\\[REDACTED:${kind === 'credential_assignment' || kind === 'aws_secret_key' || kind === 'azure_storage_key' ? kind : '[a-z_]+'}\\]`,
        ),
      );
      assert.ok(redactions.total >= 1);
      assert.ok(text.startsWith('before\n') && text.endsWith('\nafter'));
    });
  }

  it('masks a whole PEM private key block', () => {
    const key = ['-----BEGIN RSA PRIVATE KEY-----', alnum(64), alnum(64), '-----END RSA PRIVATE KEY-----'].join('\n');
    const { text, redactions } = redactSecrets(`key = """\n${key}\n"""`);
    assert.equal(text, 'key = """\n[REDACTED:private_key]\n"""');
    assert.deepEqual(redactions, { total: 1, by_kind: { private_key: 1 } });
  });

  it('a private key pasted without its END line is masked to the end of its block', () => {
    const lines = [alnum(64), alnum(64), alnum(20)];
    const cutOff = `Here is my key:\n-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n\nWhy does the TLS handshake fail?`;
    const { text, redactions } = redactSecrets(cutOff);
    assert.equal(text, 'Here is my key:\n[REDACTED:private_key]\n\nWhy does the TLS handshake fail?');
    assert.deepEqual(redactions, { total: 1, by_kind: { private_key: 1 } });
    // Cut off mid-line at the very end, inside a JSON string (escaped line breaks), and an encrypted key's headers.
    for (const body of [
      `-----BEGIN RSA PRIVATE KEY-----\n${lines[0]}\n${lines[1]!.slice(0, 30)}`,
      `{"key": "-----BEGIN PRIVATE KEY-----\\n${lines[0]}\\n${lines[1]}"}`,
      `-----BEGIN ENCRYPTED PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${upper(16)}\n\n${lines[0]}`,
    ]) {
      const masked = redactSecrets(body).text;
      for (const line of lines) assert.ok(!masked.includes(line.slice(0, 30)), `key material left in ${masked}`);
    }
  });

  it('redaction in slices finds what one pass finds, a key block across a slice boundary included', async () => {
    const key = ['-----BEGIN PRIVATE KEY-----', alnum(64), alnum(64), '-----END PRIVATE KEY-----'].join('\n');
    const filler = 'const value = compute(input);\n'.repeat(2200); // about 64 KiB: the key straddles a slice end
    const text = `${filler}${key}\npassword = "${alnum(16)}"\n${filler}-----BEGIN PRIVATE KEY-----\n${alnum(64)}`;
    assert.deepEqual(await redactSecretsInSlices(text), redactSecrets(text));
  });

  it('leaves git SHAs, UUIDs, content hashes, base64 and ordinary code alone', () => {
    const innocent = [
      'commit 3f786850e387550fdab836ed7e6dc881de23001b',
      "id = '123e4567-e89b-12d3-a456-426614174000'",
      'sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'data = "SGVsbG8gd29ybGQsIHRoaXMgaXMgb3JkaW5hcnkgYmFzZTY0IHRleHQ="',
      'password = get_password(user)',
      'password: str = None',
      'token = os.environ["API_TOKEN"]',
      'if not password:',
      'PASSWORD_MIN_LENGTH = 12',
      'api_key = "${OPENAI_API_KEY}"',
      'const secretName = "db-credentials";',
      'skip-links, sk-learn and task-runner are words',
    ].join('\n');
    const { text, redactions } = redactSecrets(innocent);
    assert.equal(text, innocent);
    assert.equal(redactions.total, 0);
  });
});
