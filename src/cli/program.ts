/**
 * The `truc` program: the command table on commander, `--help` on every command and subcommand
 * (prints, starts nothing, exits 0), `--version`, and one mapping from failures to exit codes
 * ({@link EXIT_CODES}: DESIGN §3's 0 success, 1 failure, 2 bad usage or configuration, and truc's own 3 held by the
 * mass-change guard and 4 migrations pending; one clear stderr line first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, PROJECT_ROOT } from '../config.js';
import { ERRORS, isAppError, type AppError } from '../errors.js';
import { COMMANDS } from './commands/index.js';
import { EXIT_HELD } from './commands/sync-follow.js';
import { OPTION_VI } from './option-texts.js';
import { SUMMARY_VI } from './summaries.js';
import {
  bindOutput,
  both,
  exitCodeOf,
  PROCESS_OUTPUT,
  masked,
  ruleInVietnamese,
  terminalSafe,
  UsageError,
  type CliOutput,
} from './kit.js';

const ENVIRONMENT = `
Biến môi trường / Environment: PORT, DATABASE_URL (không đặt = PGlite nhúng trong DATA_DIR / unset =
embedded PGlite in DATA_DIR), DATA_DIR, REDIS_URL (không đặt = hàng đợi trong cơ sở dữ liệu / unset = queues
in the database), LOG_LEVEL, TRUC_PROFILE, TRUC_OPERATOR (người thao tác ghi vào nhật ký kiểm toán / who acts,
for the audit log). Xem / See config/.env.example.`;

/**
 * The exit code of a command refused because this build's migrations are pending (fix36f: only `truc migrate` and the
 * roles migrate): 4, apart from a failure (1) and bad usage (2), so that a script can tell "run truc migrate first".
 */
export const SCHEMA_PENDING_EXIT = 4;

/** The commands that exit {@link EXIT_HELD} (commands to type, in neither language). */
const HELD_COMMANDS = 'sync run --follow, schedules run --follow';

/**
 * Every exit code of `truc`, with its meaning (`vi / en`) and the commands it is for when not every one: listed by `truc
 * --help` and, in the same English words, by the README's CLI section (unit cli/program checks both, fix37d).
 */
export const EXIT_CODES: ReadonlyArray<readonly [code: number, meaning: string, commands?: string]> = [
  [0, both('thành công', 'success')],
  // walk9 W9-13: an unknown id (`schedules pause nosuch`) is a failure, exit 1, by the CLI's one rule for ids (kit.ts
  // notFound); an ill-formed one is bad usage, exit 2. Said here, where a reader of --help looks.
  [1, both('thất bại (kể cả mã không có: ERR_NOT_FOUND)', 'failure (an unknown id too: ERR_NOT_FOUND)')],
  [
    2,
    both(
      'sai cách dùng (kể cả mã sai dạng, tên ngoài danh sách cho phép) hoặc cấu hình',
      'bad usage (an ill-formed id, a name outside its list too) or configuration',
    ),
  ],
  [EXIT_HELD, both('bộ chặn thay đổi hàng loạt giữ lại', 'held by the mass-change guard'), HELD_COMMANDS],
  [
    SCHEMA_PENDING_EXIT,
    both(
      'còn migration của bản này chưa chạy (chạy truc migrate)',
      "this version's migrations pending (run truc migrate)",
    ),
  ],
];

const EXIT_HELP = `\n\n${both('Mã thoát', 'Exit codes')}:\n${EXIT_CODES.map(
  ([code, meaning, commands]) => `  ${code}  ${meaning}${commands ? ` (${commands})` : ''}`,
).join('\n')}`;

/** The help's titles (commander's), in both languages. */
const TITLES_VI: Readonly<Record<string, string>> = {
  'Usage:': 'Cách dùng',
  'Options:': 'Tuỳ chọn',
  'Commands:': 'Lệnh',
  'Arguments:': 'Tham số',
  'Global Options:': 'Tuỳ chọn chung',
};

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
    .version(version(), '-V, --version', both('in phiên bản', 'output the version number'))
    .addHelpText('after', ENVIRONMENT + EXIT_HELP);
  for (const make of COMMANDS) for (const c of [make()].flat()) program.addCommand(c);
  bindOutput(program, out);
  const HELP = both('hiện trợ giúp của lệnh', 'display help for command');
  eachCommand(program, (c) => {
    // Each command's summary in both languages (./summaries.ts); `help [command]` only where there are
    // subcommands to ask about (fix33c: `truc audit verify --help` listed it as its one command).
    const path = pathOf(c).replace(/^truc ?/, '');
    const vi = SUMMARY_VI[path];
    if (vi) c.description(both(vi, c.description()));
    inVietnamese(c, path);
    if (c.commands.length > 0) c.helpCommand('help [command]', HELP);
    else c.helpCommand(false);
    c.exitOverride()
      .helpOption('-h, --help', HELP)
      .configureHelp({ styleTitle: (t) => (TITLES_VI[t] ? `${TITLES_VI[t]} / ${t}` : t) })
      .configureOutput({
        writeOut: (s) => out.stdout(s),
        writeErr: (s) => out.stderr(s),
        outputError: () => undefined, // printed once, our way, by runCli
      });
  });
  return program;
}

/** Each option's and argument's text in both languages (./option-texts.ts, by `<path> --flag` and `<path> <name>`). */
function inVietnamese(c: Command, path: string): void {
  for (const a of c.registeredArguments) {
    const vi = OPTION_VI[`${path} <${a.name()}>`];
    if (vi) a.description = both(vi, a.description);
  }
  for (const o of c.options) {
    const vi = o.long ? OPTION_VI[`${path} ${o.long}`] : undefined;
    if (vi) o.description = both(vi, o.description);
  }
}

/** `truc clients add` for the command a usage error came from. */
function pathOf(cmd: Command | undefined): string {
  const names: string[] = [];
  for (let c = cmd; c; c = c.parent ?? undefined) names.unshift(c.name());
  return names.join(' ') || 'truc';
}

/**
 * Commander's wording of bad usage, each with its Vietnamese (the English is commander's own). A quoted value may
 * hold a quote itself (review35b F3: `a'b` left the line English on both sides): it runs to the last quote before
 * the words that follow it.
 */
const COMMANDER_VI: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^unknown command '(.*)'$/s, (m) => `không có lệnh ${m[1]}`],
  [/^unknown option '(.*)'$/s, (m) => `không có tuỳ chọn ${m[1]}`],
  [/^missing required argument '([^']*)'/, (m) => `thiếu tham số bắt buộc ${m[1]}`],
  [/^option '([^']*)' argument missing/, (m) => `tuỳ chọn ${m[1]} cần một giá trị`],
  [/^required option '([^']*)' not specified/, (m) => `thiếu tuỳ chọn bắt buộc ${m[1]}`],
  [
    /^too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\./,
    (m) => `quá nhiều tham số${m[1] ? ` cho ${m[1]}` : ''}: cần ${m[2]}, nhận ${m[3]}`,
  ],
  [
    /^option '([^']*)' argument '(.*)' is invalid\. (.*)$/s,
    (m) => `tuỳ chọn ${m[1]}: giá trị '${m[2]}' không hợp lệ, cần ${ruleInVietnamese(m[3]!) ?? m[3]}`,
  ],
  [
    /^command-argument value '(.*)' is invalid for argument '([^']*)'\. (.*)$/s,
    (m) => `tham số ${m[2]}: giá trị '${m[1]}' không hợp lệ, cần ${ruleInVietnamese(m[3]!) ?? m[3]}`,
  ],
];

/** A commander usage error's message in Vietnamese and English, on one line (its suggestion kept). */
function commanderMessage(err: CommanderError): string {
  // Commander's suggestion is its one line of its own; a newline anywhere else is the operator's value's.
  const raw = err.message.replace(/^error: /, '');
  const suggestion = /\n\(Did you mean (.*)\?\)$/.exec(raw);
  const head = masked(suggestion ? raw.slice(0, suggestion.index) : raw);
  const en = head.replace(/^unknown command '(.*)'$/s, 'unknown command: $1');
  const rule = COMMANDER_VI.find(([re]) => re.test(head));
  const vi = rule ? rule[1](rule[0].exec(head)!) : en;
  const hint = suggestion ? ` (${both(`có phải ${suggestion[1]}?`, `did you mean ${suggestion[1]}?`)})` : '';
  return `${both(vi, en)}${hint}`;
}

/** An AppError's line: its code, the table's message in both languages, and its detail when it adds one. */
function appErrorMessage(err: AppError): string {
  const def = ERRORS[err.code];
  if (!err.message || err.message === def.en) return `${err.code}: ${both(def.vi, def.en)}`;
  // A bilingual detail (`vi / en`) goes beside its own language (walk7 W7-7: "vi / en: vi / en" read as four parts);
  // the field it may name first (`reason: vi / en`, or in each half: `--role: vi / --role: en`) is named once in both
  // (review10: `--role: --role: one of …` in English).
  const field = /^[A-Za-z0-9_.[\]-]+: /.exec(err.message)?.[0] ?? '';
  const halves = err.message.slice(field.length).split(' / ');
  if (halves.length !== 2) return `${err.code}: ${both(def.vi, def.en)}: ${err.message}`;
  const head = (text: string) => text.replace(/\.$/, '');
  const en = field !== '' && halves[1]!.startsWith(field) ? halves[1]!.slice(field.length) : halves[1];
  return `${err.code}: ${both(`${head(def.vi)}: ${field}${halves[0]}`, `${head(def.en)}: ${field}${en}`)}`;
}

/** The codes of input the operator typed wrong: bad usage, exit 2 (review33b: a reason holding a phone number too). */
const BAD_INPUT: ReadonlySet<string> = new Set([
  'ERR_VALIDATION',
  'ERR_CONFIG_INVALID',
  'ERR_FREE_TEXT_PERSONAL_DATA',
]);

/** Prints the failure's one line (and a pointer to help for bad usage); returns the exit code. */
function reportFailure(err: unknown, out: CliOutput, usageOf: () => string): number {
  const seeHelp = () => both(`Xem '${usageOf()} --help'.`, `See '${usageOf()} --help'.`);
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2; // help shown for a missing subcommand
    out.stderr(`truc: ${terminalSafe(commanderMessage(err))}\n${seeHelp()}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    out.stderr(`truc: ${terminalSafe(err.message)}\n${seeHelp()}\n`);
    return 2;
  }
  if (err instanceof ConfigError) {
    out.stderr(`truc: ${terminalSafe(err.message, true)}\n`);
    return 2;
  }
  if (isAppError(err)) {
    out.stderr(`truc: ${terminalSafe(appErrorMessage(err))}\n`);
    if (err.code === 'ERR_SCHEMA_PENDING') return SCHEMA_PENDING_EXIT;
    return BAD_INPUT.has(err.code) ? 2 : 1;
  }
  const message = terminalSafe(err instanceof Error ? err.message : String(err));
  out.stderr(`truc: ${both(`lỗi không mong đợi: ${message}`, `unexpected error: ${message}`)}\n`);
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
