#!/usr/bin/env node
// Tiny launcher: everything lives in the built CLI.
import { runCli } from '../dist/cli/run-cli.js';

await runCli(process.argv);
