import os from 'node:os';
import type { InitResult } from '../../setup/init-project.js';
import type { McpHostChange } from '../../setup/mcp-hosts.js';
import type { CommandSpec } from '../command-spec.js';
import { oneOf } from '../option-parsers.js';

const HOSTS = ['claude-code', 'cursor', 'vscode', 'windsurf', 'codex', 'claude-desktop'] as const;

function renderInstall(result: { changes: McpHostChange[] }): string {
  return result.changes
    .map((change) => `${change.host}: ${change.action.replace('_', ' ')} ${change.server_name} in ${change.file}`)
    .concat(result.changes.flatMap((change) => (change.note ? [`${change.host}: ${change.note}`] : [])))
    .join('\n');
}

/** The text renderer of an init result: what happened to each file, then the next command. */
function renderInitText(result: InitResult): string {
  const verbs: Record<string, string> = {
    written: 'wrote',
    replaced: 'replaced',
    unchanged: 'unchanged:',
    would_write: 'would write',
    would_replace: 'would replace',
    added: 'added .codecontext/ to',
    present: '.codecontext/ already in',
    would_add: 'would add .codecontext/ to',
  };
  const lines = [`${verbs[result.config.action]} ${result.config.file}`];
  lines.push(
    result.ignore.file
      ? `${verbs[result.ignore.action]} ${result.ignore.file}`
      : 'not a git repository: nothing to ignore (--gitignore writes .gitignore)',
  );
  lines.push(
    result.providers.length > 0
      ? `providers: ${result.providers.map((p) => `${p.name} (${p.api_key_env ?? p.base_url})`).join(', ')}`
      : 'providers: none found (set OPENAI_API_KEY or ANTHROPIC_API_KEY, or start Ollama, and run init --force)',
  );
  if (!result.changed && !result.dry_run) lines.push('nothing changed: this repository was already set up');
  if (result.dry_run) lines.push('', result.content.trimEnd());
  return lines.join('\n');
}

export const setupCommands: CommandSpec[] = [
  {
    name: 'init',
    summary: 'Set this repository up: a commented .codecontext.toml with the providers found, .codecontext/ ignored',
    options: [
      { flags: '--gitignore', description: 'add .codecontext/ to .gitignore instead of .git/info/exclude' },
      { flags: '--dry-run', description: 'print what would be written; write nothing' },
      { flags: '--force', description: 'replace an existing .codecontext.toml that differs' },
    ],
    render: { text: (result: InitResult) => renderInitText(result) },
    run: async (options, context) => {
      const { initProject } = await import('../../setup/init-project.js');
      return initProject({
        root: context.globals.root,
        gitignore: Boolean(options.gitignore),
        dryRun: Boolean(options.dryRun),
        force: Boolean(options.force),
      });
    },
  },
  {
    name: 'install',
    summary: "Add codecontext's MCP server for this repository to an editor's or agent's configuration",
    options: [
      {
        flags: '--host <host>',
        description: `${HOSTS.join(' | ')} | all`,
        parse: oneOf([...HOSTS, 'all']),
        required: true,
      },
      { flags: '--dry-run', description: 'show the change; write nothing' },
      { flags: '--uninstall', description: 'remove our entry (only ours)' },
      { flags: '--home <dir>', description: 'home directory holding the hosts’ files (default: yours)' },
    ],
    render: { text: renderInstall },
    run: async (options, context) => {
      const { installMcpHost, MCP_HOSTS } = await import('../../setup/mcp-hosts.js');
      const values = context.config.values;
      const keyEnvNames = new Set([
        ...(values.llmClient.provider === 'ollama' ? [] : [values.llmClient.apiKeyEnv]),
        ...values.providers.flatMap((provider) => (provider.apiKeyEnv ? [provider.apiKeyEnv] : [])),
      ]);
      const hosts = options.host === 'all' ? MCP_HOSTS : [options.host as (typeof MCP_HOSTS)[number]];
      const common = {
        home: (options.home as string | undefined) ?? os.homedir(),
        root: context.config.root,
        dryRun: Boolean(options.dryRun),
        uninstall: Boolean(options.uninstall),
        keyEnvNames: [...keyEnvNames],
      };
      return { dry_run: common.dryRun, changes: hosts.map((host) => installMcpHost(host, common)) };
    },
  },
];
