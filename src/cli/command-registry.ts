import type { CommandSpec } from './command-spec.js';
import { benchCommands } from './commands/bench-commands.js';
import { doctorCommands } from './commands/doctor-commands.js';
import { indexCommands } from './commands/index-commands.js';
import { keyCommands } from './commands/key-commands.js';
import { mapCommands } from './commands/map-commands.js';
import { patchCommands } from './commands/patch-commands.js';
import { reportCommands } from './commands/report-commands.js';
import { retrieveCommands } from './commands/retrieve-commands.js';
import { routeCommands } from './commands/route-commands.js';
import { scanCommands } from './commands/scan-commands.js';
import { serverCommands } from './commands/server-commands.js';
import { setupCommands } from './commands/setup-commands.js';
import { storageCommands } from './commands/storage-commands.js';

/** Every command of the CLI, in the order `--help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  ...setupCommands,
  ...scanCommands,
  ...indexCommands,
  ...retrieveCommands,
  ...mapCommands,
  ...routeCommands,
  ...reportCommands,
  ...benchCommands,
  ...patchCommands,
  ...serverCommands,
  ...storageCommands,
  ...keyCommands,
  ...doctorCommands,
];
