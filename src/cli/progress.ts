/**
 * A long command's progress display (`startProgress`): a bar on a terminal, a line now and then elsewhere, each line
 * in Vietnamese then English. Moved out of ./kit.ts (which re-exports it) to keep that file readable.
 */
import cliProgress from 'cli-progress';
import { both } from '../errors.js';

/** Where a command writes: the process's stdout/stderr, or a test's buffers. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The terminal a progress bar may redraw on (stderr when it is a TTY); none → plain lines. */
  tty?(): NodeJS.WritableStream | undefined;
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
   * What the operation waits on, while it does (`{ vi: 'chờ hcm-csdl đến 22:28 (+07)', en: 'waiting on hcm-csdl until
   * 22:28 (+07)' }`): the running line then reads `<count> <unit>, <note>` instead of a rate and ETA that only say
   * 0/s (walk2 F4); `undefined` when it no longer waits.
   */
  note(words?: Words): void;
  /**
   * Ends the display with one closing line, `<label>: <count> <unit> trong <time> (<rate>/s) / <label>: <count>
   * <unit> in <time> (<rate>/s)`, plus `outcome` in each half when given (`{ vi: 'thất bại', en: 'failed' }`).
   * Call it in a `finally`: the TTY bar runs a redraw timer.
   */
  stop(outcome?: Words): void;
}

export interface ProgressOptions {
  /**
   * What is counted, plural, in both languages: `{ vi: 'bản ghi', en: 'records' }`; `enOne`, its English for one
   * (`record`: `1 record in 2s`, fix30b: was `1 records`), when it differs.
   */
  unit: Words & { enOne?: string };
  /** The total when known; without it the display shows the count and rate, no bar or ETA. */
  total?: number;
  /** Off a TTY: at most one plain line per this many milliseconds (default 5,000), and none that says what the last did. */
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
  let waitNote: Words | undefined;
  const figures = (lang: 'vi' | 'en') => progressFigures(lang, done, total, now() - started);
  /** The unit's words for `n` (the total when known: `1/3 reports`, `0/1 report`; else the count itself). */
  const unit = (lang: 'vi' | 'en', n: number) => (lang === 'en' && n === 1 && o.unit.enOne) || o.unit[lang];
  /** The count, percentage, rate and ETA in one language: `2.500/10.000 bản ghi (25%), 500/s, còn 15s`. */
  const running = (lang: 'vi' | 'en') => {
    const f = figures(lang);
    const head = `${label[lang]}: ${f.counted} ${unit(lang, total ?? done)}`;
    if (waitNote) return `${head}${f.percent && ` (${f.percent})`}, ${waitNote[lang]}`;
    const tail = [f.percent && `(${f.percent})`, f.rate, f.eta && `${ETA[lang]} ${f.eta}`].filter(Boolean);
    return `${head} ${tail.join(', ')}`;
  };
  const tty = out.tty?.();
  const bar = tty ? ttyBar(tty, () => figures('en'), running) : undefined;
  const plain = plainLines(out, o.everyMs ?? 5000, now);
  const redraw = () => {
    if (stopped) return;
    if (bar) bar.update(done);
    else plain(() => both(running('vi'), running('en')));
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
    note(words) {
      waitNote = words;
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
        return `${label[lang]}: ${f.counted} ${unit(lang, done)} ${TOOK[lang]} ${formatDuration(elapsed / 1000)} (${f.rate})${end}`;
      };
      out.stderr(`${both(closing('vi'), closing('en'))}\n`);
    },
  };
}

/**
 * Off a terminal: prints the line `text` makes at most every `every` ms, and only when it says something the last one
 * did not (W6-10: a run waiting on a system printed the same line every 5 s).
 */
function plainLines(out: CliOutput, every: number, now: () => number) {
  let last = now();
  let lastText = '';
  return (text: () => string) => {
    if (now() - last < every) return;
    const line = text();
    if (line === lastText) return;
    last = now();
    lastText = line;
    out.stderr(`${line}\n`);
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
