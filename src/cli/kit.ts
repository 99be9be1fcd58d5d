/**
 * What every `truc` command is built from: `defineCommand` (a commander `Command` with truc's
 * settings), `runs` (its action, whose resolved number is the exit code), `UsageError` (exit 2) and
 * the option parsers. See src/cli/README.md for how to add a command.
 */
import { Command, InvalidArgumentError } from 'commander';

/** Where a command writes: the process's stdout/stderr, or a test's buffers. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const PROCESS_OUTPUT: CliOutput = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Bad usage: the CLI prints `truc: <message>` and a pointer to `--help`, and exits 2. */
export class UsageError extends Error {}

/** Per root program: where its commands write, and the exit code its action resolved with. */
const runs_ = new WeakMap<Command, { out: CliOutput; code: number }>();

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** Makes `program` (a root) write to `out`. */
export function bindOutput(program: Command, out: CliOutput): void {
  runs_.set(program, { out, code: 0 });
}

/** The exit code the action run under `program` resolved with (0 when none ran). */
export function exitCodeOf(program: Command): number {
  return runs_.get(program)?.code ?? 0;
}

/** A command with its one-line summary; options and arguments are added with commander's own API. */
export function defineCommand(name: string, summary: string): Command {
  return new Command(name).description(summary);
}

/**
 * Sets `cmd`'s action. `fn` gets the parsed options, the positional arguments and where to write,
 * and resolves with the exit code (0 success, 1 failure); it throws `UsageError` for bad usage
 * (exit 2). Everything heavy (database, servers, simulators) is imported and started inside `fn`,
 * so `--help` starts nothing.
 */
export function runs<O extends object>(
  cmd: Command,
  fn: (opts: O, args: string[], out: CliOutput) => Promise<number>,
): Command {
  return cmd.action(async () => {
    const root = rootOf(cmd);
    const run = runs_.get(root) ?? { out: PROCESS_OUTPUT, code: 0 };
    runs_.set(root, run);
    run.code = await fn(cmd.opts<O>(), cmd.args, run.out);
  });
}

/** An option parser for an integer in [min, max]: `.option('--port <n>', '…', int(0, 65535))`. */
export function int(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
    return n;
  };
}

/** An option parser for a comma-separated list (blank entries dropped). */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
