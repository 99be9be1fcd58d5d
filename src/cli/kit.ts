/**
 * What every `truc` command is built from: `defineCommand` (a commander `Command` with truc's
 * settings), `runs` (its action, whose resolved number is the exit code), `UsageError` (exit 2),
 * the option parsers and `startProgress` (a progress bar for long operations). See src/cli/README.md for how to add a command.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { personalNumberIn } from '../canonical/free-text.js';
import { vietnamTimeOf } from '../canonical/school-year.js';
import { AppError, both, ERRORS, type ErrorCode } from '../errors.js';
import type { CliOutput } from './progress.js';

export const PROCESS_OUTPUT: CliOutput = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  tty: () => (process.stderr.isTTY ? process.stderr : undefined),
};

/**
 * A message in Vietnamese and English, Vietnamese first, on one line (CONVENTIONS decision 8; src/errors.ts):
 * every line a command prints for a person (results, refusals, errors) is built with it; JSON output stays as is.
 */
export { both };
export {
  formatDuration,
  startProgress,
  type CliOutput,
  type Progress,
  type ProgressOptions,
  type Words,
} from './progress.js';

/**
 * An instant as a city admin reads it: Vietnam time to the minute, `2026-12-04 01:10 (+07)`; '' for none.
 * Commands print instants so; their `--json` keeps the API's ISO form.
 */
export function vnTime(at: Date | string | null | undefined): string {
  if (at === null || at === undefined) return '';
  return vietnamTimeOf(typeof at === 'string' ? new Date(at) : at);
}

/**
 * Bad usage: the CLI prints `truc: <message>` and a pointer to `--help`, and exits 2. Give the message in
 * both languages: `new UsageError(both('…', '…'))`.
 */
export class UsageError extends Error {}

/** The Vietnamese of each option rule an option parser states ({@link badValue}), by its English. */
const VI_RULES = new Map<string, string>();

/**
 * What an option parser throws for a value it refuses: commander's InvalidArgumentError with the rule in
 * English (commander words the error around it), its Vietnamese kept for `runCli` ({@link ruleInVietnamese}).
 */
export function badValue(vi: string, en: string): InvalidArgumentError {
  VI_RULES.set(en, vi);
  return new InvalidArgumentError(en);
}

/** The Vietnamese of an option rule given to {@link badValue}, if any. */
export function ruleInVietnamese(en: string): string | undefined {
  return VI_RULES.get(en);
}

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
    run.code = await fn(cmd.opts<O>(), cmd.args, terminalOutput(run.out));
  });
}

/**
 * `out` with what a command prints on stdout {@link masked} (line breaks kept): a stored string (a school's, a client's
 * name, another system's words) with an escape sequence, a C1 control or a bidi override never acts on the operator's
 * terminal, whichever line prints it (review12: only the dead letters' line masked). `--json` escapes C0 itself; C1
 * controls and bidi overrides, which JSON leaves raw, show as `?` there too.
 */
function terminalOutput(out: CliOutput): CliOutput {
  const safe: CliOutput = {
    stdout: (text) => out.stdout(masked(text, true)),
    stderr: (text) => out.stderr(text),
  };
  if (out.tty) safe.tty = () => out.tty?.();
  return safe;
}

/** An option parser for an integer in [min, max]: `.option('--port <n>', '…', int(0, 65535))`. */
export function int(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw badValue(`một số nguyên từ ${min} đến ${max}`, `an integer from ${min} to ${max}`);
    return n;
  };
}

/**
 * An option parser for one of `names` (a system, an entity, a status): `.option('--system <s>', '…', choice(SYSTEM_NAMES))`.
 * A refusal lists them all; for a long list (`listedIn`: where every name is listed, e.g. the error codes) it names the
 * closest few and where to find them all (review35b F6: a wrong `--code` printed 3 KB of codes).
 */
export function choice<T extends string>(
  names: readonly T[],
  listedIn?: { vi: string; en: string },
): (value: string) => T {
  return (value) => {
    if ((names as readonly string[]).includes(value)) return value as T;
    if (!listedIn) throw badValue(`một trong ${names.join(', ')}`, `one of ${names.join(', ')}`);
    const near = closest(names, value, 3).join(', ');
    throw badValue(
      `một trong ${names.length} giá trị; gần nhất: ${near} (tất cả: ${listedIn.vi})`,
      `one of ${names.length} values; closest: ${near} (all of them: ${listedIn.en})`,
    );
  };
}

/** The `n` of `names` closest to `value` (case-insensitive edit distance, a name holding it first), in that order. */
export function closest(names: readonly string[], value: string, n: number): string[] {
  const v = value.toUpperCase().slice(0, 64);
  const score = (name: string) =>
    editDistance(name.toUpperCase(), v) - (name.toUpperCase().includes(v) ? 100 : 0);
  return names
    .map((name, i) => ({ name, i, d: score(name) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, n)
    .map((x) => x.name);
}

/** Levenshtein distance of `a` and `b`. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The CLI's one rule for an id it does not know (a well-formed one: an ill-formed id is refused by its parser, bad
 * usage, exit 2): ERR_NOT_FOUND naming it, `truc: ERR_NOT_FOUND: Không tìm thấy tài nguyên: không có lượt đồng bộ 9 /
 * The resource was not found: no sync run 9`, exit 1. `what` names the kind of thing in both languages.
 */
export function notFound(what: { vi: string; en: string }, id: string | number): AppError {
  return new AppError('ERR_NOT_FOUND', both(`không có ${what.vi} ${id}`, `no ${what.en} ${id}`));
}

/** A parser for an id argument or option: a positive integer written in digits. */
export function positiveId(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n <= 0)
    throw badValue('một số nguyên dương', 'a positive integer');
  return n;
}

/** An option parser for a comma-separated list (blank entries dropped). */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * An operator's name as the audit log records it (`operator:cli:<name>`): a login name, 1 to 64 of
 * A-Z a-z 0-9 . _ @ -, starting with a letter or digit (no space, colon, slash or control character, so the
 * actor reads one way).
 */
const OPERATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const OPERATOR_RULE = {
  vi: 'tên người thao tác: 1 đến 64 ký tự A-Z, a-z, 0-9, . _ @ -, bắt đầu bằng chữ hoặc số',
  en: "an operator's name: 1 to 64 of A-Z, a-z, 0-9, . _ @ -, starting with a letter or digit",
};

/** The option parser of `--as <name>` ({@link asOption}). */
export function operatorName(value: string): string {
  if (!OPERATOR_NAME.test(value)) throw badValue(OPERATOR_RULE.vi, OPERATOR_RULE.en);
  return value;
}

/**
 * `--as <name>`: who acts, for the audit log, on every command that changes something (a decision on a hold,
 * a replay, a schedule's pause or run, …). See {@link operatorActor}.
 */
export const asOption = () =>
  new Option(
    '--as <name>',
    "who acts, for the audit log (operator:cli:<name>; default: $TRUC_OPERATOR, else the OS user's login name)",
  ).argParser(operatorName);

/**
 * The audit actor of a CLI command (issue 7: `operator:cli` alone could not say who decided): `operator:cli:`
 * and the operator's name, taken from `--as`, else `TRUC_OPERATOR`, else the OS user's login name
 * (`os.userInfo().username`). A name that breaks the rule ({@link OPERATOR_NAME}), or no name at all (a
 * user id without a login name), is bad usage (exit 2), one line in both languages saying where it came from; so
 * is a name holding a personal ID or a phone number (review35b F1), not repeated.
 */
export function operatorActor(
  as: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  osUser: () => string = () => userInfo().username,
): string {
  const from = (name: string, where: { vi: string; en: string }) => {
    if (!OPERATOR_NAME.test(name))
      throw new UsageError(
        both(
          `${where.vi} "${printable(name)}" không dùng được: ${OPERATOR_RULE.vi}`,
          `${where.en} "${printable(name)}" is not usable: ${OPERATOR_RULE.en}`,
        ),
      );
    // Kept for good in the hash-chained audit log, as free text is (review33b): never a personal ID, an old ID card
    // number or a phone number (review35b F1); the refusal does not repeat it.
    if (personalNumberIn(name) !== undefined)
      throw new UsageError(
        both(
          `${where.vi}: tên người thao tác không được chứa số định danh cá nhân, số CMND hay số điện thoại (được lưu mãi trong nhật ký kiểm toán)`,
          `${where.en}: an operator's name must not hold a personal ID, an old ID card number or a phone number (it would be kept for good in the audit log)`,
        ),
      );
    return `operator:cli:${name}`;
  };
  if (as !== undefined) return from(as, { vi: '--as', en: '--as' });
  const fromEnv = env.TRUC_OPERATOR;
  if (fromEnv !== undefined) return from(fromEnv, { vi: 'TRUC_OPERATOR', en: 'TRUC_OPERATOR' });
  let user: string;
  try {
    user = osUser();
  } catch {
    throw new UsageError(
      both(
        'không biết tên người dùng hệ điều hành: cho biết bạn là ai bằng --as <tên> hoặc TRUC_OPERATOR',
        'the OS user has no login name: say who acts with --as <name> or TRUC_OPERATOR',
      ),
    );
  }
  return from(user, {
    vi: 'tên người dùng hệ điều hành (đặt --as <tên> hoặc TRUC_OPERATOR)',
    en: 'the OS user name (set --as <name> or TRUC_OPERATOR)',
  });
}

/** What would act on an operator's terminal: C0 and C1 controls (an escape sequence), bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const ACTS_ON_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same and line breaks. */
// eslint-disable-next-line no-control-regex
const ACTS_ON_TERMINAL_OR_BREAKS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character and bidirectional override shown as `?` (line breaks too unless `keepLines`). */
export function masked(text: string, keepLines = false): string {
  return text.replace(keepLines ? ACTS_ON_TERMINAL : ACTS_ON_TERMINAL_OR_BREAKS, '?');
}

/**
 * A refusal as the operator's terminal shows it (review35b F2, F4; what a command quotes back is the operator's own
 * value): {@link masked}, and a run of over 200 characters without a space (a 10,000-character value, quoted back)
 * cut to its first 120 and `…`.
 */
export function terminalSafe(text: string, keepLines = false): string {
  return masked(text, keepLines).replace(/\S{201,}/gu, (run) => `${[...run].slice(0, 120).join('')}…`);
}

/** At most 64 characters of `s`, control characters shown as `?`, for quoting a refused value. */
const printable = (s: string): string =>
  [...s.slice(0, 64)].map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? '?' : ch)).join('');

/** An error code's words from the error table, vi and en, without the closing full stop (the code itself when unknown). */
export function errorWords(code: string): { vi: string; en: string } {
  if (!Object.hasOwn(ERRORS, code)) return { vi: code, en: code };
  const e = ERRORS[code as ErrorCode];
  return { vi: e.vi.replace(/\.$/, ''), en: e.en.replace(/\.$/, '') };
}

/**
 * A path the user typed, as their shell meant it (walk6b W6b-5): `npm run truc -- …` runs truc in the repository's
 * folder, so `npm --prefix <repo> run truc -- pcgd verify pkg.json` looked for pkg.json in the repository. When truc
 * is that npm script itself (`npm_lifecycle_event` truc), a relative path is taken from the folder npm was started in
 * (npm's `INIT_CWD`); otherwise from the current folder.
 */
export function shellPath(path: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const from = env.npm_lifecycle_event === 'truc' && env.INIT_CWD ? env.INIT_CWD : cwd;
  return resolvePath(from, path);
}

/**
 * A file a command reads (`truc pcgd verify`'s), refused in both languages, exit 2, when it cannot be read: a
 * folder, no read permission (review11: a folder named as the package was "lỗi không mong đợi / unexpected error:
 * EISDIR", exit 1).
 */
export function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as { code?: string }).code ?? String(err);
    const folder = code === 'EISDIR';
    throw new UsageError(
      both(
        `${file}: ${folder ? 'là một thư mục, không phải tệp' : `không đọc được tệp (${code})`}`,
        `${file}: ${folder ? 'a folder, not a file' : `cannot read the file (${code})`}`,
      ),
    );
  }
}
