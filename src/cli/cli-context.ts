import path from 'node:path';
import type { AppConfig, LoadConfigOptions } from '../config/app-config.js';
import { ProgressReporter } from './progress-reporter.js';

/** `AppConfig.load`, imported by the command action only when a command runs (start-up stays light). */
export type ConfigLoader = (root: string, options: LoadConfigOptions) => AppConfig;

export interface GlobalOptions {
  root: string;
  config?: string;
  dataDir?: string;
  include?: string[];
  exclude?: string[];
  /** false with --no-refresh (commander's negated option). */
  refresh?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** What every command action receives: the loaded config, stderr helpers and an abort signal (Ctrl-C). */
export class CliContext {
  private loaded: AppConfig | undefined;
  readonly progress: ProgressReporter;

  constructor(
    readonly globals: GlobalOptions,
    readonly signal: AbortSignal,
    private readonly loadConfig: ConfigLoader,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.progress = new ProgressReporter(stderr, Boolean(stderr.isTTY) && !globals.quiet);
  }

  /** The configuration, loaded on first use so that `--help` and unbuilt commands never touch the disk. */
  get config(): AppConfig {
    if (!this.loaded) {
      const flags: Record<string, unknown> = {};
      if (this.globals.include?.length) flags.include = this.globals.include;
      if (this.globals.exclude?.length) flags.exclude = this.globals.exclude;
      if (this.globals.refresh === false) flags.refresh_on_read = false;
      // A --data-dir on the command line is relative to where the user typed it, like any path argument.
      if (this.globals.dataDir) flags.data_dir = path.resolve(this.globals.dataDir);
      this.loaded = this.loadConfig(this.globals.root, { configFile: this.globals.config, flags });
    }
    return this.loaded;
  }

  warn(message: string): void {
    if (!this.globals.quiet) this.stderr.write(`codecontext: warning: ${message}\n`);
  }

  /** Asked-for explanations (--explain): on stderr, so stdout stays one JSON document. */
  explain(message: string): void {
    this.stderr.write(`codecontext: ${message}\n`);
  }

  debug(message: string): void {
    if (this.globals.verbose) this.stderr.write(`codecontext: ${message}\n`);
  }
}
