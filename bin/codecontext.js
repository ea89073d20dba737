#!/usr/bin/env node
// Tiny launcher: everything lives in the built CLI. Once the command is done and stdout has drained, exit: a model
// download that was given up on (embeddings, 5 s timeout) must not keep the process alive.
import { runCli } from '../dist/cli/run-cli.js';

await runCli(process.argv);
process.stdout.write('', () => process.exit());
