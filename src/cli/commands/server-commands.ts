import type { CommandSpec } from '../command-spec.js';
import { parsePort, parsePositiveInteger } from '../option-parsers.js';

export const serverCommands: CommandSpec[] = [
  {
    name: 'serve-api',
    summary: 'Local HTTP gateway: product API, drop-in OpenAI/Anthropic endpoints, dashboard',
    options: [
      { flags: '--host <host>', description: 'interface to bind', defaultValue: '127.0.0.1' },
      { flags: '--port <port>', description: 'port to bind', defaultValue: 8787, parse: parsePort },
      { flags: '--auth-token <token>', description: 'require Authorization: Bearer (or CODECONTEXT_AUTH_TOKEN)' },
      {
        flags: '--shutdown-grace <seconds>',
        description: 'on SIGTERM/Ctrl-C, let requests in flight finish and record themselves this long',
        defaultValue: 10,
        parse: parsePositiveInteger,
      },
      {
        flags: '--no-watch',
        description: 'keep the index fresh by a stat pass per request instead of watching the tree',
      },
    ],
    // The drain's grace, then its abandon step and the ledger's last writes.
    shutdownGraceMs: (options) => (options.shutdownGrace as number) * 1000 + 5000,
    run: async (options, context) => {
      const [{ createGatewayServer, listen }, { CodeContextGateway }, { packageVersion }] = await Promise.all([
        import('../../server/gateway-server.js'),
        import('../../route/code-context-gateway.js'),
        import('../package-version.js'),
      ]);
      const host = options.host as string;
      const authToken = (options.authToken as string | undefined) ?? process.env.CODECONTEXT_AUTH_TOKEN;
      const gateway = new CodeContextGateway(context.config);
      for (const warning of gateway.missingKeyWarnings()) context.warn(warning);
      const server = createGatewayServer(gateway, {
        host,
        port: options.port as number,
        authToken,
        version: packageVersion(),
        log: (line) => context.debug(line),
        warn: (message) => context.warn(message),
        // One line per request unless --quiet: what was asked, how it ended, what it cost (never its text).
        accessLog: context.globals.quiet ? undefined : (line) => context.explain(line),
        watch: options.watch !== false,
      });
      const url = await listen(server, host, options.port as number);
      // One line a script can wait for; the access log goes to stderr (--quiet silences it).
      process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
      context.explain(`serving on ${url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
      context.explain('stopping: finishing the requests in flight');
      const { finished } = await server.drain((options.shutdownGrace as number) * 1000);
      return { stopped: url, drained: finished };
    },
  },
  {
    name: 'mcp',
    summary: 'Model Context Protocol server over stdio for editors and agents',
    options: [
      { flags: '--allow-patches', description: 'offer apply_patch and rollback_patch (they write files)' },
      {
        flags: '--no-watch',
        description: 'keep the index fresh by a stat pass per tool call instead of watching the tree',
      },
    ],
    stdoutIsProtocol: true,
    run: async (options, context) => {
      // stdout carries JSON-RPC only: anything a dependency prints with console.* goes to stderr instead.
      for (const method of ['log', 'info', 'debug', 'warn'] as const)
        console[method] = (...args: unknown[]) => console.error(...args);
      const config = context.config; // a bad config fails here, before the protocol starts (exit 2, stderr)
      const [{ serveMcpOverStdio }, { packageVersion }, { CodeContextGateway }] = await Promise.all([
        import('../../server/mcp-server.js'),
        import('../package-version.js'),
        import('../../route/code-context-gateway.js'),
      ]);
      // route_or_run calls providers: a key variable the host did not pass is said once, at start.
      for (const warning of new CodeContextGateway(config).missingKeyWarnings()) context.warn(warning);
      context.debug(`mcp: serving ${config.root} over stdio`);
      await serveMcpOverStdio(config, {
        version: packageVersion(),
        signal: context.signal,
        onWarning: (message) => context.warn(message),
        allowPatches: Boolean(options.allowPatches),
        watch: options.watch !== false,
      });
      return undefined;
    },
  },
];
