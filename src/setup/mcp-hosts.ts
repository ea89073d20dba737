import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { CodeContextError, errnoCode } from '../shared/errors.js';
import { writeOutputFile } from '../shared/write-output-file.js';

/**
 * Where each MCP host keeps its server list, and how it lets a server see environment variables. Looked up
 * 2026-12-02 (search tool, docs corpus):
 * - Claude Code: `claude mcp add` (local scope, the default) writes `~/.claude.json` → `projects["<root>"].mcpServers`
 *   (code.claude.com/docs/en/mcp; cnblogs.com/LexLuc/p/19164475). `${VAR}` expansion is documented for `.mcp.json`
 *   only, and a stdio server inherits the environment Claude Code started with, so no `env` block is written.
 * - Cursor: `~/.cursor/mcp.json` → `mcpServers`; values may use `${env:NAME}` (userjot.com/docs/mcp-cursor).
 * - VS Code: `.vscode/mcp.json` in the workspace → `servers`, each `{ type: "stdio", command, args, env }`
 *   (code.visualstudio.com/docs/copilot/reference/mcp-configuration); `${env:NAME}` is a VS Code variable.
 * - Windsurf: `~/.codeium/windsurf/mcp_config.json` → `mcpServers`, with `${env:NAME}` interpolation
 *   (userjot.com/docs/mcp-windsurf).
 * - Codex: `$CODEX_HOME/config.toml` (default `~/.codex`) → `[mcp_servers.<name>]` with `command`, `args` and
 *   `env_vars`, the names of variables forwarded from Codex's environment (developers.openai.com/codex/mcp).
 * - Claude Desktop: `claude_desktop_config.json` → `mcpServers` under `~/Library/Application Support/Claude`
 *   (macOS), `%APPDATA%\Claude` (Windows), `~/.config/Claude` (Linux builds). It expands no references and a GUI
 *   start does not carry the shell's variables, so no key can be passed without writing its value: none is.
 * Global files get one entry per repository (`codecontext-<folder>`); per-project places use `codecontext`.
 */
export const MCP_HOSTS = ['claude-code', 'cursor', 'vscode', 'windsurf', 'codex', 'claude-desktop'] as const;
export type McpHost = (typeof MCP_HOSTS)[number];

export interface McpHostOptions {
  /** The user's home directory (tests pass a temporary one). */
  home: string;
  /** Absolute repository root the server serves (`codecontext mcp --root <root>`). */
  root: string;
  /** Where CODEX_HOME and APPDATA are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

type EnvStyle = 'none' | 'env-reference' | 'codex-env-vars';

interface HostPlace {
  host: McpHost;
  file: string;
  format: 'json' | 'toml';
  /** Keys from the document's top to the object that maps server names to servers. */
  serversPath: string[];
  serverName: string;
  envStyle: EnvStyle;
  /** VS Code and Claude Code ask for the transport explicitly. */
  typed: boolean;
}

/** The command a host runs: this Node and this package's launcher, so neither PATH nor npx is needed. */
export interface McpLauncher {
  command: string;
  args: string[];
}

export function defaultLauncher(): McpLauncher {
  return { command: process.execPath, args: [fileURLToPath(new URL('../../bin/codecontext.js', import.meta.url))] };
}

function repoServerName(root: string): string {
  const slug = path
    .basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug ? `codecontext-${slug}` : 'codecontext';
}

function claudeDesktopDir(options: McpHostOptions): string {
  const env = options.env ?? process.env;
  switch (options.platform ?? process.platform) {
    case 'darwin':
      return path.join(options.home, 'Library', 'Application Support', 'Claude');
    case 'win32':
      return path.join(env.APPDATA || path.join(options.home, 'AppData', 'Roaming'), 'Claude');
    default:
      return path.join(options.home, '.config', 'Claude');
  }
}

function hostPlace(host: McpHost, options: McpHostOptions): HostPlace {
  const env = options.env ?? process.env;
  const perRepo = repoServerName(options.root);
  const json = { format: 'json' as const, typed: false };
  switch (host) {
    case 'claude-code':
      return {
        host,
        ...json,
        typed: true,
        file: path.join(options.home, '.claude.json'),
        serversPath: ['projects', options.root, 'mcpServers'],
        serverName: 'codecontext',
        envStyle: 'none',
      };
    case 'cursor':
      return {
        host,
        ...json,
        file: path.join(options.home, '.cursor', 'mcp.json'),
        serversPath: ['mcpServers'],
        serverName: perRepo,
        envStyle: 'env-reference',
      };
    case 'vscode':
      return {
        host,
        ...json,
        typed: true,
        file: path.join(options.root, '.vscode', 'mcp.json'),
        serversPath: ['servers'],
        serverName: 'codecontext',
        envStyle: 'env-reference',
      };
    case 'windsurf':
      return {
        host,
        ...json,
        file: path.join(options.home, '.codeium', 'windsurf', 'mcp_config.json'),
        serversPath: ['mcpServers'],
        serverName: perRepo,
        envStyle: 'env-reference',
      };
    case 'codex':
      return {
        host,
        format: 'toml',
        typed: false,
        file: path.join(env.CODEX_HOME || path.join(options.home, '.codex'), 'config.toml'),
        serversPath: ['mcp_servers'],
        serverName: perRepo,
        envStyle: 'codex-env-vars',
      };
    case 'claude-desktop':
      return {
        host,
        ...json,
        file: path.join(claudeDesktopDir(options), 'claude_desktop_config.json'),
        serversPath: ['mcpServers'],
        serverName: perRepo,
        envStyle: 'none',
      };
  }
}

type Table = Record<string, unknown>;
const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readDocument(place: HostPlace): { text: string | null; document: Table } {
  let text: string;
  try {
    text = readFileSync(place.file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { text: null, document: {} };
    throw new CodeContextError('runtime', `cannot read ${place.file}: ${(error as Error).message}`, { cause: error });
  }
  let document: unknown;
  try {
    document = text.trim() === '' ? {} : place.format === 'json' ? JSON.parse(text) : parseToml(text);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw new CodeContextError(
      'config',
      `${place.file}: not valid ${place.format.toUpperCase()} (${message}); left unchanged`,
    );
  }
  if (!isTable(document))
    throw new CodeContextError('config', `${place.file}: expected an object at the top; left unchanged`);
  return { text, document };
}

function serversOf(document: Table, serversPath: readonly string[]): Table | undefined {
  let node: unknown = document;
  for (const key of serversPath) node = isTable(node) ? node[key] : undefined;
  return isTable(node) ? node : undefined;
}

function servesRoot(server: unknown, root: string): boolean {
  if (!isTable(server) || !Array.isArray(server.args)) return false;
  const args = server.args as unknown[];
  const at = args.indexOf('--root');
  return args.includes('mcp') && at >= 0 && args[at + 1] === root;
}

/**
 * Which hosts have an MCP server for `root` configured, and in which file. `installed` is true when the host's
 * file has any server running `codecontext mcp --root <root>` (ours or one the user wrote); an unreadable or
 * unparsable file counts as not installed.
 */
export function findMcpInstalls(options: McpHostOptions): Array<{ host: string; file: string; installed: boolean }> {
  const root = path.resolve(options.root);
  return MCP_HOSTS.map((host) => {
    const place = hostPlace(host, { ...options, root });
    let installed = false;
    try {
      const servers = serversOf(readDocument(place).document, place.serversPath);
      installed = Object.values(servers ?? {}).some((server) => servesRoot(server, root));
    } catch {
      installed = false;
    }
    return { host, file: place.file, installed };
  });
}

export interface InstallMcpOptions extends McpHostOptions {
  uninstall?: boolean;
  dryRun?: boolean;
  /** Names of the variables holding provider keys (never their values). */
  keyEnvNames?: readonly string[];
  launcher?: McpLauncher;
}

/** What `install --host` did (or, with dryRun, would do) to one host's file. */
export interface McpHostChange {
  host: McpHost;
  file: string;
  server_name: string;
  action: 'created' | 'updated' | 'unchanged' | 'removed' | 'absent';
  /** Where the previous file was copied before it changed. */
  backup: string | null;
  /** The entry written (null on uninstall). */
  entry: Table | null;
  /** Key variables this host cannot be handed by name. */
  note?: string;
}

function serverEntry(place: HostPlace, options: InstallMcpOptions): Table {
  const launcher = options.launcher ?? defaultLauncher();
  const names = [...new Set(options.keyEnvNames ?? [])].sort();
  const entry: Table = place.typed ? { type: 'stdio' } : {};
  entry.command = launcher.command;
  entry.args = [...launcher.args, 'mcp', '--root', options.root];
  if (names.length > 0 && place.envStyle === 'env-reference')
    entry.env = Object.fromEntries(names.map((name) => [name, `\${env:${name}}`]));
  if (names.length > 0 && place.envStyle === 'codex-env-vars') entry.env_vars = names;
  return entry;
}

const TOML_BARE_KEY = /^[A-Za-z0-9_-]+$/;
const tomlKey = (key: string): string => (TOML_BARE_KEY.test(key) ? key : JSON.stringify(key));
const tomlValue = (value: unknown): string =>
  Array.isArray(value) ? `[${value.map((item) => JSON.stringify(item)).join(', ')}]` : JSON.stringify(value);

/** Drop `[mcp_servers.<name>]` and its sub-tables from TOML text, keeping every other line (and comment) as is. */
function removeTomlServer(text: string, name: string): string {
  const header = /^\s*\[\s*([^\]]*?)\s*\]\s*(#.*)?$/;
  const ours = new Set([`mcp_servers.${name}`, `mcp_servers.${JSON.stringify(name)}`]);
  const kept: string[] = [];
  let skipping = false;
  for (const line of text.split('\n')) {
    const match = header.exec(line);
    if (match && !line.trimStart().startsWith('[[')) {
      const key = match[1]!.replace(/\s*\.\s*/g, '.');
      skipping = [...ours].some((prefix) => key === prefix || key.startsWith(`${prefix}.`));
    } else if (line.trimStart().startsWith('[[')) skipping = false;
    if (!skipping) kept.push(line);
  }
  return kept.join('\n');
}

function nextTomlText(place: HostPlace, text: string, entry: Table | null): string {
  const without = removeTomlServer(text, place.serverName);
  if (serversOf(parseToml(without), place.serversPath)?.[place.serverName] !== undefined) {
    throw new CodeContextError(
      'config',
      `${place.file}: mcp_servers.${place.serverName} is written in a form install cannot edit (inline); remove it and run again`,
    );
  }
  const trimmed = without.replace(/\n+$/, '');
  if (entry === null) return trimmed === '' ? '' : `${trimmed}\n`;
  const lines = [`[mcp_servers.${tomlKey(place.serverName)}]`];
  for (const [key, value] of Object.entries(entry)) lines.push(`${tomlKey(key)} = ${tomlValue(value)}`);
  return `${trimmed === '' ? '' : `${trimmed}\n\n`}${lines.join('\n')}\n`;
}

function nextJsonText(place: HostPlace, document: Table, entry: Table | null): string {
  let node = document;
  for (const key of place.serversPath) {
    if (!isTable(node[key])) node[key] = {};
    node = node[key] as Table;
  }
  if (entry === null) delete node[place.serverName];
  else node[place.serverName] = entry;
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Same keys in the same order with the same values (a TOML parser's tables have no prototype: compare as JSON). */
function sameEntry(current: unknown, entry: Table): boolean {
  return JSON.stringify(current) === JSON.stringify(entry);
}

/** Replace the host's file atomically, with its old mode (writeOutputFile), creating its directory if needed. */
function replaceFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeOutputFile(file, text, 'MCP configuration');
}

/**
 * Add (or with `uninstall`, remove) the codecontext server of `root` in one host's configuration: the user's other
 * servers and keys stay, the previous file is copied to `<file>.codecontext.bak` before it changes, and nothing is
 * written when the entry is already as it should be. With `dryRun` the change is computed and nothing is written.
 */
export function installMcpHost(host: McpHost, options: InstallMcpOptions): McpHostChange {
  const root = path.resolve(options.root);
  const place = hostPlace(host, { ...options, root });
  const { text, document } = readDocument(place);
  const current = serversOf(document, place.serversPath)?.[place.serverName];
  const entry = options.uninstall ? null : serverEntry(place, { ...options, root });
  const note =
    !options.uninstall && place.envStyle === 'none' && (options.keyEnvNames ?? []).length > 0
      ? host === 'claude-desktop'
        ? `set ${[...(options.keyEnvNames ?? [])].join(', ')} where Claude Desktop starts: it cannot reference variables`
        : `the server inherits ${[...(options.keyEnvNames ?? [])].join(', ')} from the environment ${host} starts in`
      : undefined;
  const change = (action: McpHostChange['action'], backup: string | null): McpHostChange => ({
    host,
    file: place.file,
    server_name: place.serverName,
    action,
    backup,
    entry,
    ...(note ? { note } : {}),
  });
  if (entry === null ? current === undefined : sameEntry(current, entry))
    return change(entry === null ? 'absent' : 'unchanged', null);
  const next =
    place.format === 'toml'
      ? nextTomlText(place, text ?? '', entry)
      : nextJsonText(place, structuredClone(document), entry);
  const action = entry === null ? 'removed' : current === undefined && text === null ? 'created' : 'updated';
  const backup = text === null ? null : `${place.file}.codecontext.bak`;
  if (!options.dryRun) {
    if (backup) copyFileSync(place.file, backup);
    replaceFile(place.file, next);
  }
  return change(action, backup);
}
