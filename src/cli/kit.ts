/**
 * What every `truc` command is built from: `defineCommand` (a commander `Command` with truc's
 * settings), `runs` (its action, whose resolved number is the exit code), `UsageError` (exit 2),
 * the option parsers and `startProgress` (a progress bar for long operations). See src/cli/README.md for how to add a command.
 */
import { userInfo } from 'node:os';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { vietnamTimeOf } from '../canonical/school-year.js';
import { AppError, both } from '../errors.js';

/** Where a command writes: the process's stdout/stderr, or a test's buffers. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The terminal a progress bar may redraw on (stderr when it is a TTY); none → plain lines. */
  tty?(): NodeJS.WritableStream | undefined;
}

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
    run.code = await fn(cmd.opts<O>(), cmd.args, run.out);
  });
}

/** What {@link untilStopped} listens to: the process (a fake in tests). */
export interface StopSignals {
  readonly connected: boolean;
  once(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/**
 * Whether this process was started with an IPC channel to its parent, read when the CLI loads: once the
 * channel has closed, `process.connected` is false as for a process that never had one.
 */
const STARTED_WITH_CHANNEL = process.channel != null;

/**
 * Resolves when a long-running command is told to stop, with what told it: SIGTERM or SIGINT, or, for
 * a process started with an IPC channel (child_process `stdio: [..., 'ipc']`, as the tests start truc),
 * that channel closing (`parent gone`): the parent ended, even by SIGKILL, and the command stops instead
 * of living on as an orphan. Production starts truc without a channel: signals only.
 */
export function untilStopped(
  proc: StopSignals = process,
  withChannel: boolean = STARTED_WITH_CHANNEL,
): Promise<string> {
  return new Promise((resolve) => {
    // The channel closed while the command started (a database migrated, servers bound: seconds on a
    // loaded machine): its 'disconnect' has been emitted already, and waiting for it kept an orphan.
    if (withChannel && !proc.connected) return resolve('parent gone');
    const on: Record<string, () => void> = {};
    const stop = (why: string) => () => {
      for (const [event, listener] of Object.entries(on)) proc.off(event, listener);
      resolve(why);
    };
    on.SIGTERM = stop('SIGTERM');
    on.SIGINT = stop('SIGINT');
    if (proc.connected) on.disconnect = stop('parent gone');
    for (const [event, listener] of Object.entries(on)) proc.once(event, listener);
  });
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

/** An option parser for one of `names` (a system, an entity, a status): `.option('--system <s>', '…', choice(SYSTEM_NAMES))`. */
export function choice<T extends string>(names: readonly T[]): (value: string) => T {
  return (value) => {
    if ((names as readonly string[]).includes(value)) return value as T;
    throw badValue(`một trong ${names.join(', ')}`, `one of ${names.join(', ')}`);
  };
}

/**
 * The CLI's one rule for an id it does not know (a well-formed one: an ill-formed id is refused by its parser, bad
 * usage, exit 2): ERR_NOT_FOUND naming it, `truc: ERR_NOT_FOUND: Không tìm thấy tài nguyên. / The resource was not
 * found.: không có lượt đồng bộ 9 / no sync run 9`, exit 1. `what` names the kind of thing in both languages.
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
 * Words of a line built from parts, in Vietnamese and English: a progress display's label and unit, its outcome
 * (CONVENTIONS decision 8: the Vietnamese half of every line reads Vietnamese; the halves are joined by `both`).
 */
export interface Words {
  vi: string;
  en: string;
}

/** A progress display for a long operation (`startProgress`). */
export interface Progress {
  /** The count reached so far, and the total when it became known (or changed). */
  update(done: number, total?: number): void;
  /** Adds `n` (default 1) to the count. */
  increment(n?: number): void;
  /**
   * Ends the display with one closing line, `<label>: <count> <unit> trong <time> (<rate>/s) / <label>: <count>
   * <unit> in <time> (<rate>/s)`, plus `outcome` in each half when given (`{ vi: 'thất bại', en: 'failed' }`).
   * Call it in a `finally`: the TTY bar runs a redraw timer.
   */
  stop(outcome?: Words): void;
}

export interface ProgressOptions {
  /** What is counted, plural, in both languages: `{ vi: 'bản ghi', en: 'records' }`. */
  unit: Words;
  /** The total when known; without it the display shows the count and rate, no bar or ETA. */
  total?: number;
  /** Off a TTY: at most one plain line per this many milliseconds (default 5,000). */
  everyMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Counts as each language writes them: `2.500` in the Vietnamese half, `2,500` in the English one. */
const COUNT = {
  vi: new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 }),
  en: new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }),
} as const;

/** `95s` → `1m35s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** Where the numbers stand in one language: count, total, percentage, rate and ETA as display strings. */
function progressFigures(lang: 'vi' | 'en', done: number, total: number | undefined, elapsedMs: number) {
  const count = COUNT[lang];
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const known = total !== undefined && total > 0;
  const left = known ? Math.max(0, total - done) : 0;
  return {
    counted: known ? `${count.format(done)}/${count.format(total)}` : count.format(done),
    percent: known ? `${Math.min(100, Math.floor((done * 100) / total))}%` : '',
    rate: `${count.format(rate)}/s`,
    eta: known && rate > 0 ? formatDuration(left / rate) : '',
    ratio: known ? Math.min(1, done / total) : 0,
  };
}

/** The word before an ETA, and the one before a duration, in each language. */
const ETA = { vi: 'còn', en: 'eta' } as const;
const TOOK = { vi: 'trong', en: 'in' } as const;

/**
 * Shows the progress of a long operation on stderr (stdout stays for the command's result): a
 * redrawn bar with counts, rate and ETA when `out.tty` is a terminal (cli-progress), otherwise a
 * plain line at most every `everyMs`, so logs and pipes stay readable. Every line is `vi / en` (`both`):
 * label, unit and outcome are given in both languages. Used by `truc sim` (the requests it serves),
 * `truc sync run --follow` (and `schedules run --follow`) and `truc pcgd compute|submit`.
 *
 * ```ts
 * const p = startProgress(out, { vi: 'kéo smas học sinh', en: 'pull smas students' }, { unit: RECORDS });
 * try { for (…) p.update(done, total); p.stop(); } catch (e) { p.stop(FAILED); throw e; }
 * ```
 */
export function startProgress(out: CliOutput, label: Words, o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const started = now();
  let done = 0;
  let total = o.total;
  let stopped = false;
  const figures = (lang: 'vi' | 'en') => progressFigures(lang, done, total, now() - started);
  /** The count, percentage, rate and ETA in one language: `2.500/10.000 bản ghi (25%), 500/s, còn 15s`. */
  const running = (lang: 'vi' | 'en') => {
    const f = figures(lang);
    const tail = [f.percent && `(${f.percent})`, f.rate, f.eta && `${ETA[lang]} ${f.eta}`].filter(Boolean);
    return `${label[lang]}: ${f.counted} ${o.unit[lang]} ${tail.join(', ')}`;
  };
  const tty = out.tty?.();
  const bar = tty ? ttyBar(tty, () => figures('en'), running) : undefined;
  const every = o.everyMs ?? 5000;
  let lastLine = started;
  const redraw = () => {
    if (stopped) return;
    if (bar) bar.update(done);
    else if (now() - lastLine >= every) {
      lastLine = now();
      out.stderr(`${both(running('vi'), running('en'))}\n`);
    }
  };
  return {
    update(value, newTotal) {
      done = value;
      if (newTotal !== undefined && newTotal !== total) {
        total = newTotal;
        bar?.setTotal(newTotal);
      }
      redraw();
    },
    increment(n = 1) {
      this.update(done + n);
    },
    stop(outcome) {
      if (stopped) return;
      stopped = true;
      if (bar) {
        bar.update(done);
        bar.stop();
      }
      const elapsed = now() - started;
      const closing = (lang: 'vi' | 'en') => {
        const f = progressFigures(lang, done, undefined, elapsed);
        const end = outcome ? `; ${outcome[lang]}` : '';
        return `${label[lang]}: ${f.counted} ${o.unit[lang]} ${TOOK[lang]} ${formatDuration(elapsed / 1000)} (${f.rate})${end}`;
      };
      out.stderr(`${both(closing('vi'), closing('en'))}\n`);
    },
  };
}

/**
 * The redrawn terminal bar (cli-progress): the bar and its percentage, then the figures in Vietnamese and
 * English (`running`); a line wider than the terminal is cut at its edge (cli-progress), the English half first.
 */
function ttyBar(
  stream: NodeJS.WritableStream,
  figures: () => ReturnType<typeof progressFigures>,
  running: (lang: 'vi' | 'en') => string,
) {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
      format: (options) => {
        const f = figures();
        const drawn = f.percent ? `${cliProgress.Format.BarFormat(f.ratio, options)} ${f.percent} ` : '';
        return `${drawn}${both(running('vi'), running('en'))}`;
      },
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0);
  return bar;
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
 * user id without a login name), is bad usage (exit 2), one line in both languages saying where it came from.
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

/** At most 64 characters of `s`, control characters shown as `?`, for quoting a refused value. */
const printable = (s: string): string =>
  [...s.slice(0, 64)].map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? '?' : ch)).join('');
