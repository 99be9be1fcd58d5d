/**
 * The bench runner's command line (../run.ts): `npm run bench [-- [--list] [<name> ...]]`. Read by node's
 * own parseArgs (strict: an unknown option is an error, never ignored), so `--help` prints the usage and
 * runs nothing, and a misspelt bench name stops the run instead of running every other bench.
 */
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench [-- [--list] [<name> ...]]
  no name     run every bench in test/bench (each BENCH_REPEATS times, default 3)
  <name> ...  run only these benches (see --list)
  --list      print the benches' names and run nothing
  --help      print this and run nothing
environment: BENCH_REPEATS (default 3), BENCH_SCALE (default 1), BENCH_TIMEOUT_S (per repetition)`;

/** What the runner was asked: print the usage, list the benches, or run the named ones (none: all). */
export type RunnerAsk =
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | { readonly kind: 'run'; readonly names: readonly string[] }
  | { readonly kind: 'error'; readonly message: string };

/** The runner's arguments (after `--`), read without knowing the benches. */
export function readRunnerArgs(args: readonly string[]): RunnerAsk {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { help: { type: 'boolean', short: 'h' }, list: { type: 'boolean' } },
    });
    if (values.help) return { kind: 'help' };
    if (values.list) return { kind: 'list' };
    return { kind: 'run', names: positionals };
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

/** Names asked for that no bench has (empty: every name is known). */
export const unknownNames = (names: readonly string[], known: readonly string[]): string[] =>
  names.filter((n) => !known.includes(n));
