/**
 * Portkey's open-source AI gateway (npm `@portkey-ai/gateway`) as a reference target: installed from the npm
 * registry at bench time into a cache outside the repository (never a dependency of codecontext), started with its
 * own Node entry point, and told per request where the upstream is.
 *
 * How it runs, from its source (github.com/Portkey-AI/gateway, src/start-server.ts, src/index.ts,
 * src/middlewares/requestValidator/index.ts, src/providers/openai/api.ts) and the bundle it ships:
 * - `node build/start-server.js --port=N --headless`: `--port=` is the only form it reads (default 8787);
 *   `--headless` skips the local log UI. It listens on every interface, so listen-loopback.mjs is preloaded to bind
 *   it to 127.0.0.1 and report the port.
 * - Each request names the provider and the upstream in headers: `x-portkey-provider: openai` and
 *   `x-portkey-custom-host: <base url with /v1>` (the OpenAI provider appends `/chat/completions`); the client's
 *   `Authorization: Bearer …` is the provider key it forwards. Custom hosts on 127.0.0.1 / localhost are trusted by
 *   default (TRUSTED_CUSTOM_HOSTS unset).
 * - Its dependency ranges float (`@hono/node-server ^1.3.3`), and @hono/node-server after 1.14.2 breaks it: its
 *   lightweight Response keeps the upstream fetch response's immutable headers, Portkey appends its x-portkey-*
 *   headers to them, and every streaming request answers 500 "Something went wrong" (TypeError: immutable; Portkey
 *   issues #1389 and #1550, still open). So the HTTP stack is pinned to what the gateway's own package-lock.json
 *   resolves at that tag — the versions its Docker image runs (v1.15.2: @hono/node-server 1.13.5, @hono/node-ws 1.2.0, hono 4.9.7),
 *   set as npm `overrides` in the cache directory's package.json.
 * - Its streaming figures include a deliberate 25 ms pause before the first event it forwards (readStream in
 *   src/handlers/streamHandler.ts), so a streaming request takes ≥ 25 ms through it, whatever the upstream.
 * - Installed with `--ignore-scripts`: its only install script is patch-package, and the patches it would apply are
 *   not in the published package (its `files` list omits them), so running it changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Endpoint } from './load.js';

/** The version measured unless --portkey-version says otherwise (`npm view @portkey-ai/gateway versions`). */
export const PORTKEY_VERSION = '1.15.2';

/**
 * npm `overrides` for the gateway's HTTP stack, by gateway version: what its package-lock.json resolves at that tag
 * (@hono/node-ws too: its newer releases want @hono/node-server ^1.19 as a peer, which npm would then nest). A
 * version not listed gets the last @hono/node-server that issue #1389 reports working.
 */
const PINNED: Record<string, Record<string, string>> = {
  '1.15.2': { '@hono/node-server': '1.13.5', '@hono/node-ws': '1.2.0', hono: '4.9.7' },
};
const FALLBACK_PINS = { '@hono/node-server': '1.14.2' };

export interface PortkeyInstall {
  version: string;
  dir: string;
  entry: string;
  /** Installed versions of the gateway and the packages that carry its HTTP path. */
  resolved: Record<string, string>;
}

function installedVersion(dir: string, name: string): string | undefined {
  const manifest = path.join(dir, 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Every installed copy of `name` in the tree under `dir` (top level and nested under the gateway). */
function installedCopies(dir: string, name: string): Array<string | undefined> {
  const nested = path.join(dir, 'node_modules', '@portkey-ai', 'gateway');
  const copies = [installedVersion(dir, name)];
  if (existsSync(path.join(nested, 'node_modules', name))) copies.push(installedVersion(nested, name));
  return copies;
}

/**
 * The cached install of `@portkey-ai/gateway@version` under `cacheRoot` (default ~/.cache/codecontext-bench),
 * installing it with npm first when missing or not pinned as PINNED says. Throws (npm's message) when the registry
 * or the install fails.
 */
export function ensurePortkey(
  version: string,
  cacheRoot = path.join(os.homedir(), '.cache', 'codecontext-bench'),
  onProgress: (line: string) => void = () => {},
): PortkeyInstall {
  const dir = path.join(cacheRoot, `portkey-${version}`);
  const pins: Record<string, string> = PINNED[version] ?? FALLBACK_PINS;
  const wanted: Record<string, string> = { '@portkey-ai/gateway': version, ...pins };
  const current = Object.entries(wanted).every(([name, pinned]) =>
    installedCopies(dir, name).every((copy) => copy === pinned),
  );
  if (!current) {
    onProgress(`installing @portkey-ai/gateway@${version} with ${JSON.stringify(pins)} into ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const manifest = { name: 'codecontext-bench-portkey', private: true, dependencies: wanted, overrides: pins };
    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 300_000,
      });
    } catch (error) {
      // No half install left to be taken for a good one next time.
      rmSync(dir, { recursive: true, force: true });
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      throw new Error(`npm install of @portkey-ai/gateway@${version} failed: ${stderr.slice(-1500)}`, {
        cause: error,
      });
    }
  }
  const entry = path.join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing after npm install`);
  const resolved: Record<string, string> = {};
  for (const name of ['@portkey-ai/gateway', '@hono/node-server', '@hono/node-ws', 'hono'])
    resolved[name] = installedCopies(dir, name).join(', ');
  return { version, dir, entry, resolved };
}

/** Node arguments that start the installed gateway on a free loopback port. */
export function portkeyArgs(install: PortkeyInstall, preload: string): string[] {
  return ['--import', preload, install.entry, '--port=0', '--headless'];
}

/** Portkey's chat-completions endpoint, pointed at an OpenAI-compatible upstream base URL (without /v1). */
export function portkeyEndpoint(gatewayUrl: string, upstreamBase: string): Endpoint {
  return {
    url: `${gatewayUrl}/v1/chat/completions`,
    headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamBase}/v1` },
  };
}
