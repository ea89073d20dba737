import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAME } from '../config/app-config.js';
import { detectGitContext } from '../scan/git-context.js';
import { CodeContextError } from '../shared/errors.js';
import { writeOutputFile } from '../shared/write-output-file.js';

/** A provider `init` found: a key variable that is set (its name only) or an Ollama that answered. */
export interface DetectedProvider {
  name: string;
  provider: 'openai' | 'anthropic' | 'openai_compatible' | 'ollama';
  model: string;
  tier: 'cheap' | 'standard' | 'premium';
  api_key_env?: string;
  base_url?: string;
  local?: boolean;
}

/**
 * Key variables init recognises, each with a model priced in src/providers/prices.json (an unpriced model is never
 * called). Order is preference for [llm_client].
 */
const KEYED_PROVIDERS: readonly DetectedProvider[] = [
  { name: 'openai', provider: 'openai', model: 'gpt-4o-mini', tier: 'cheap', api_key_env: 'OPENAI_API_KEY' },
  {
    name: 'anthropic',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    tier: 'premium',
    api_key_env: 'ANTHROPIC_API_KEY',
  },
  {
    name: 'deepseek',
    provider: 'openai_compatible',
    model: 'deepseek-chat',
    tier: 'standard',
    api_key_env: 'DEEPSEEK_API_KEY',
    base_url: 'https://api.deepseek.com/v1',
  },
  {
    name: 'groq',
    provider: 'openai_compatible',
    model: 'llama-3.3-70b-versatile',
    tier: 'cheap',
    api_key_env: 'GROQ_API_KEY',
    base_url: 'https://api.groq.com/openai/v1',
  },
];

/** Ollama's own OLLAMA_HOST forms (`host`, `host:port`, `http://host:port`; 0.0.0.0 means this machine). */
export function ollamaBaseUrl(env: NodeJS.ProcessEnv): string {
  const raw = (env.OLLAMA_HOST ?? '').trim() || '127.0.0.1:11434';
  const url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  // Ollama's default port for a bare host or http://; https:// keeps 443, as Ollama's own client does.
  if (!url.port && url.protocol === 'http:' && !/:\d+\/?$/.test(raw)) url.port = '11434';
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  return url.origin;
}

/** Ask a local Ollama for its models (`GET /api/tags`); null when nothing answers within `timeoutMs`. */
async function probeOllama(baseUrl: string, timeoutMs: number, fetchImpl: typeof fetch): Promise<string[] | null> {
  try {
    const response = await fetchImpl(`${baseUrl}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return null;
    const body = (await response.json()) as { models?: Array<{ name?: unknown }> };
    return (body.models ?? []).map((model) => model.name).filter((name): name is string => typeof name === 'string');
  } catch {
    return null;
  }
}

/** Providers usable from this machine: key variables that are set (never read beyond "non-empty"), a live Ollama. */
export async function detectProviders(
  env: NodeJS.ProcessEnv,
  deps: { fetch?: typeof fetch; ollamaTimeoutMs?: number } = {},
): Promise<DetectedProvider[]> {
  const found = KEYED_PROVIDERS.filter((candidate) => Boolean(env[candidate.api_key_env!]));
  const baseUrl = ollamaBaseUrl(env);
  const models = await probeOllama(baseUrl, deps.ollamaTimeoutMs ?? 800, deps.fetch ?? fetch);
  if (models && models.length > 0) {
    found.push({
      name: 'ollama',
      provider: 'ollama',
      model: models[0]!,
      tier: 'cheap',
      base_url: baseUrl,
      local: true,
    });
  }
  return found;
}

const q = (value: string): string => JSON.stringify(value);

function providerLines(provider: DetectedProvider): string[] {
  return [
    `name = ${q(provider.name)}`,
    `provider = ${q(provider.provider)}`,
    `model = ${q(provider.model)}`,
    ...(provider.api_key_env
      ? [`api_key_env = ${q(provider.api_key_env)}   # the variable's name; never the key`]
      : []),
    ...(provider.base_url ? [`base_url = ${q(provider.base_url)}`] : []),
    ...(provider.local ? ['local = true'] : []),
    `tier = ${q(provider.tier)}`,
  ];
}

/** The commented `.codecontext.toml` init writes: defaults spelled out where people change them, the providers found. */
export function renderInitConfig(providers: readonly DetectedProvider[]): string {
  const lines = [
    '# codecontext configuration, written by `codecontext init`. Every key and its default: the README.',
    '# Precedence: command-line flags > CODECONTEXT_* environment variables > this file > built-in defaults.',
    '# Never write an API key here: name the variable that holds it with api_key_env.',
    '',
    '# Token budget of a context pack when --token-budget is not given.',
    'default_context_budget_tokens = 4000',
    '',
    '# Hard cap in USD for one external request, priced before any call.',
    'max_escalation_cost_per_request = 0.08',
    '',
    '# Glob patterns relative to the root: only these (when non-empty) / never these, on top of .gitignore.',
    'include = []',
    'exclude = []',
    '',
  ];
  const primary = providers[0];
  lines.push(
    primary
      ? `# The default model client (${primary.api_key_env ? `${primary.api_key_env} is set` : 'Ollama answered'}).`
      : '# The default model client. No provider key variable was set and no Ollama answered when init ran.',
    '# While enabled = false every request is a dry run: the payload is built and priced, nothing is sent.',
    '[llm_client]',
    'enabled = false',
  );
  if (primary) lines.push(...providerLines(primary).filter((line) => !/^(name|tier|local) =/.test(line)));
  else lines.push('provider = "openai"', 'model = "gpt-4o-mini"', 'api_key_env = "OPENAI_API_KEY"');
  if (providers.length > 0) {
    lines.push('', '# Providers the router picks among by tier (cheap | standard | premium), found when init ran.');
    for (const provider of providers) lines.push('[[providers]]', ...providerLines(provider), '');
  } else lines.push('');
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

const IGNORE_LINE = '.codecontext/';
const IGNORE_FORMS = new Set(['.codecontext', '.codecontext/', '/.codecontext', '/.codecontext/']);

/** Where `.codecontext/` is kept out of `git status`: `.git/info/exclude` (shared by worktrees) or `.gitignore`. */
function ignoreFileFor(root: string, gitignore: boolean): string | null {
  if (gitignore) return path.join(root, '.gitignore');
  const { gitDir } = detectGitContext(root);
  if (!gitDir) return null;
  const common = path.join(gitDir, 'commondir');
  const base = existsSync(common) ? path.resolve(gitDir, readFileSync(common, 'utf8').trim()) : gitDir;
  return path.join(base, 'info', 'exclude');
}

export interface InitOptions {
  root: string;
  env?: NodeJS.ProcessEnv;
  /** Add `.codecontext/` to `.gitignore` instead of `.git/info/exclude`. */
  gitignore?: boolean;
  dryRun?: boolean;
  /** Replace an existing `.codecontext.toml` that differs. */
  force?: boolean;
  fetch?: typeof fetch;
  ollamaTimeoutMs?: number;
}

export interface InitResult {
  root: string;
  dry_run: boolean;
  config: { file: string; action: 'written' | 'replaced' | 'unchanged' | 'would_write' | 'would_replace' };
  ignore: { file: string | null; action: 'added' | 'present' | 'would_add' | 'not_a_git_repository' };
  providers: DetectedProvider[];
  /** The file's text (also without --dry-run: it holds variable names, never values). */
  content: string;
  changed: boolean;
}

/**
 * Set a repository up: a commented `.codecontext.toml` with the providers this machine can use, and `.codecontext/`
 * kept out of `git status`. Running it again changes nothing; an existing, different config is kept unless `force`.
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const root = path.resolve(options.root);
  if (!existsSync(root)) throw new CodeContextError('usage', `root ${options.root}: no such directory`);
  const env = options.env ?? process.env;
  const dryRun = Boolean(options.dryRun);
  const providers = await detectProviders(env, { fetch: options.fetch, ollamaTimeoutMs: options.ollamaTimeoutMs });
  const content = renderInitConfig(providers);
  const configFile = path.join(root, CONFIG_FILE_NAME);
  const existing = existsSync(configFile) ? readFileSync(configFile, 'utf8') : null;
  if (existing !== null && existing !== content && !options.force) {
    throw new CodeContextError(
      'usage',
      `${configFile} exists and differs from what init writes; kept (force replaces it)`,
    );
  }
  const configAction: InitResult['config']['action'] =
    existing === content
      ? 'unchanged'
      : dryRun
        ? existing
          ? 'would_replace'
          : 'would_write'
        : existing
          ? 'replaced'
          : 'written';

  const ignoreFile = ignoreFileFor(root, Boolean(options.gitignore));
  let ignoreAction: InitResult['ignore']['action'] = 'not_a_git_repository';
  if (ignoreFile) {
    const text = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '';
    const present = text.split(/\r?\n/).some((line) => IGNORE_FORMS.has(line.trim()));
    ignoreAction = present ? 'present' : dryRun ? 'would_add' : 'added';
    if (ignoreAction === 'added') {
      mkdirSync(path.dirname(ignoreFile), { recursive: true });
      appendFileSync(ignoreFile, `${text === '' || text.endsWith('\n') ? '' : '\n'}${IGNORE_LINE}\n`);
    }
  }
  if (configAction === 'written' || configAction === 'replaced') writeOutputFile(configFile, content, 'config');
  return {
    root,
    dry_run: dryRun,
    config: { file: configFile, action: configAction },
    ignore: { file: ignoreFile, action: ignoreAction },
    providers,
    content,
    changed: ['written', 'replaced'].includes(configAction) || ignoreAction === 'added',
  };
}
