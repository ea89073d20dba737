import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from './temp-tree.js';

/** The key variable every fake-upstream config names; tests put a sentinel value in it. */
export const UPSTREAM_KEY_ENV = 'UPSTREAM_KEY';

/** `[llm_client]` on a fake OpenAI-compatible upstream (gpt-4o-mini, the key from UPSTREAM_KEY). */
export function openAiUpstreamToml(upstreamUrl: string): string {
  return `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "${UPSTREAM_KEY_ENV}"\nbase_url = "${upstreamUrl}/v1"\n`;
}

/** A premium Anthropic provider named `claude` on a fake upstream. */
export function anthropicPremiumToml(upstreamUrl: string, model = 'claude-sonnet-4-5'): string {
  return `[[providers]]\nname = "claude"\nprovider = "anthropic"\nmodel = "${model}"\napi_key_env = "${UPSTREAM_KEY_ENV}"\nbase_url = "${upstreamUrl}"\ntier = "premium"\n`;
}

/** Write a config file in a fresh temp directory and return its path. */
export function writeConfigFile(toml: string, prefix = 'codecontext-config-'): string {
  const file = path.join(makeTempDir(prefix), 'codecontext.toml');
  writeFileSync(file, toml);
  return file;
}
