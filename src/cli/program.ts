/**
 * The `truc` program: the command table on commander, `--help` on every command and subcommand
 * (prints, starts nothing, exits 0), `--version`, and one mapping from failures to exit codes
 * (DESIGN §3: 0 success, 1 failure, 2 bad usage or configuration; one clear stderr line first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, PROJECT_ROOT } from '../config.js';
import { isAppError } from '../errors.js';
import { COMMANDS } from './commands/index.js';
import { bindOutput, exitCodeOf, PROCESS_OUTPUT, UsageError, type CliOutput } from './kit.js';

const ENVIRONMENT = `
Environment: PORT, DATABASE_URL (unset = embedded PGlite in DATA_DIR), DATA_DIR, REDIS_URL
(unset = queues in the database), LOG_LEVEL, TRUC_PROFILE. See config/.env.example.`;

function version(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}

function eachCommand(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) eachCommand(sub, fn);
}

/** The whole command tree. Commander throws instead of exiting, and its errors are ours to print. */
export function buildProgram(out: CliOutput = PROCESS_OUTPUT): Command {
  const program = new Command('truc')
    .description('Trục dữ liệu giáo dục / the education data hub')
    .version(version(), '-V, --version')
    .addHelpText('after', ENVIRONMENT);
  for (const make of COMMANDS) for (const c of [make()].flat()) program.addCommand(c);
  bindOutput(program, out);
  eachCommand(program, (c) =>
    c.exitOverride().configureOutput({
      writeOut: (s) => out.stdout(s),
      writeErr: (s) => out.stderr(s),
      outputError: () => undefined, // printed once, our way, by runCli
    }),
  );
  return program;
}

/** `truc clients add` for the command a usage error came from. */
function pathOf(cmd: Command | undefined): string {
  const names: string[] = [];
  for (let c = cmd; c; c = c.parent ?? undefined) names.unshift(c.name());
  return names.join(' ') || 'truc';
}

/** Prints the failure's one line (and a pointer to help for bad usage); returns the exit code. */
function reportFailure(err: unknown, out: CliOutput, usageOf: () => string): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2; // help shown for a missing subcommand
    const unknown = /unknown command '([^']*)'/.exec(err.message);
    const message = unknown ? `unknown command: ${unknown[1]}` : err.message.replace(/^error: /, '');
    out.stderr(`truc: ${message}\nSee '${usageOf()} --help'.\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    out.stderr(`truc: ${err.message}\nSee '${usageOf()} --help'.\n`);
    return 2;
  }
  if (err instanceof ConfigError) {
    out.stderr(`truc: ${err.message}\n`);
    return 2;
  }
  if (isAppError(err)) {
    out.stderr(`truc: ${err.code}: ${err.message}\n`);
    return err.code === 'ERR_VALIDATION' || err.code === 'ERR_CONFIG_INVALID' ? 2 : 1;
  }
  out.stderr(`truc: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) out.stderr(`${err.stack}\n`);
  return 1;
}

/** Runs `truc <argv>` and resolves with the exit code; never throws. */
export async function runCli(argv: readonly string[], out: CliOutput = PROCESS_OUTPUT): Promise<number> {
  const program = buildProgram(out);
  let last: Command = program; // the deepest command reached, for the pointer to its help
  eachCommand(program, (c) =>
    c.hook('preSubcommand', (_parent, sub) => {
      last = sub;
    }),
  );
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCodeOf(program);
  } catch (err) {
    return reportFailure(err, out, () => pathOf(last));
  }
}
