import type { CommandSpec } from '../command-spec.js';
import { parsePort } from '../option-parsers.js';

export const serverCommands: CommandSpec[] = [
  {
    name: 'serve-api',
    summary: 'Local HTTP gateway: product API, drop-in OpenAI/Anthropic endpoints, dashboard',
    options: [
      { flags: '--host <host>', description: 'interface to bind', defaultValue: '127.0.0.1' },
      { flags: '--port <port>', description: 'port to bind', defaultValue: 8787, parse: parsePort },
      { flags: '--auth-token <token>', description: 'require Authorization: Bearer (or CODECONTEXT_AUTH_TOKEN)' },
    ],
  },
  {
    name: 'mcp',
    summary: 'Model Context Protocol server over stdio for editors and agents',
    options: [],
  },
];
