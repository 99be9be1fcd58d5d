#!/usr/bin/env node
/** The `truc` CLI entry: runs the command table of src/cli and exits with its code. */
// zod's ahead-of-time compiled fast path; must load before any schema is built.
import 'zod/compile';
import { runCli } from './cli/program.js';

process.exit(await runCli(process.argv.slice(2)));
