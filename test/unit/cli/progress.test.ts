import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatDuration, startProgress, type CliOutput } from '../../../src/cli/kit.js';
import { expectViThenEn } from '../../helpers/vietnamese-half.js';

/** A CliOutput into buffers, with a fake clock; `tty` makes it look like a terminal. */
function capture(tty = false) {
  const err: string[] = [];
  const drawn: string[] = [];
  let t = 1_000_000;
  const terminal = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        drawn.push(chunk.toString());
        cb();
      },
    }),
    { isTTY: true, columns: 120 },
  );
  const out: CliOutput = {
    stdout: () => undefined,
    stderr: (s) => err.push(s),
    ...(tty ? { tty: () => terminal } : {}),
  };
  return { out, err, drawn, now: () => t, advance: (ms: number) => (t += ms) };
}

const PULL = { vi: 'kéo smas học sinh', en: 'pull smas students' };
const RECORDS = { vi: 'bản ghi', en: 'records' };

describe('startProgress', () => {
  it('off a TTY prints a plain line at most every everyMs, with count, total, rate and ETA, in both languages', () => {
    const c = capture();
    const p = startProgress(c.out, PULL, { unit: RECORDS, total: 10_000, everyMs: 5000, now: c.now });
    c.advance(1000);
    p.update(1000); // too soon: no line
    expect(c.err).toEqual([]);
    c.advance(4000);
    p.update(2500); // 5 s in, 500/s, 7,500 left → 15 s
    expect(c.err).toEqual([
      'kéo smas học sinh: 2.500/10.000 bản ghi (25%), 500/s, còn 15s / ' +
        'pull smas students: 2,500/10,000 records (25%), 500/s, eta 15s\n',
    ]);
    c.advance(1000);
    p.increment(10); // 1 s after the last line: none
    expect(c.err).toHaveLength(1);
    c.advance(14_000);
    p.update(10_000);
    p.stop();
    expect(c.err.slice(1)).toEqual([
      'kéo smas học sinh: 10.000/10.000 bản ghi (100%), 500/s, còn 0s / ' +
        'pull smas students: 10,000/10,000 records (100%), 500/s, eta 0s\n',
      'kéo smas học sinh: 10.000 bản ghi trong 20s (500/s) / pull smas students: 10,000 records in 20s (500/s)\n',
    ]);
  });

  it('without a total shows count and rate only, and stop adds the outcome once, in each half', () => {
    const c = capture();
    const label = { vi: 'tính', en: 'compute' };
    const p = startProgress(c.out, label, { unit: { vi: 'xã', en: 'communes' }, everyMs: 0, now: c.now });
    c.advance(2000);
    p.update(300);
    p.stop({ vi: 'thất bại: ERR_UPSTREAM', en: 'failed: ERR_UPSTREAM' });
    p.stop({ vi: 'lần nữa', en: 'again' });
    p.update(400); // after stop: nothing
    expect(c.err).toEqual([
      'tính: 300 xã 150/s / compute: 300 communes 150/s\n',
      'tính: 300 xã trong 2s (150/s); thất bại: ERR_UPSTREAM / compute: 300 communes in 2s (150/s); failed: ERR_UPSTREAM\n',
    ]);
  });

  // walk2 F4: `sync run --follow` on a down system printed `0 records 0/s` every 5 s for the whole wait.
  it('while a note is set, the running line carries it instead of the rate; cleared, the rate is back', () => {
    const c = capture();
    const p = startProgress(
      c.out,
      { vi: 'đồng bộ 10', en: 'sync 10' },
      { unit: RECORDS, everyMs: 0, now: c.now },
    );
    p.note({ vi: 'chờ hcm-csdl đến 22:28 (+07)', en: 'waiting on hcm-csdl until 22:28 (+07)' });
    c.advance(5000);
    p.update(0);
    p.note(undefined);
    c.advance(5000);
    p.update(100);
    expect(c.err).toEqual([
      'đồng bộ 10: 0 bản ghi, chờ hcm-csdl đến 22:28 (+07) / sync 10: 0 records, waiting on hcm-csdl until 22:28 (+07)\n',
      'đồng bộ 10: 100 bản ghi 10/s / sync 10: 100 records 10/s\n',
    ]);
  });

  it('a total learnt later turns on the percentage', () => {
    const c = capture();
    const p = startProgress(c.out, { vi: 'đồng bộ', en: 'sync' }, { unit: RECORDS, everyMs: 0, now: c.now });
    c.advance(1000);
    p.update(50, 200);
    p.stop();
    expect(c.err[0]).toBe(
      'đồng bộ: 50/200 bản ghi (25%), 50/s, còn 3s / sync: 50/200 records (25%), 50/s, eta 3s\n',
    );
  });

  it('on a TTY redraws a bar on the terminal, and leaves one closing line on stderr', () => {
    const c = capture(true);
    const label = { vi: 'dân số', en: 'population' };
    const p = startProgress(c.out, label, {
      unit: { vi: 'học sinh', en: 'students' },
      total: 400,
      now: c.now,
    });
    c.advance(2000);
    p.update(100);
    p.stop();
    const screen = c.drawn.join('');
    expect(screen).toContain(
      ' 25% dân số: 100/400 học sinh (25%), 50/s, còn 6s / population: 100/400 students (25%), 50/s, eta 6s',
    );
    expect(screen).toMatch(/\u2588+\u2591+/); // the bar itself
    expect(c.err).toEqual(['dân số: 100 học sinh trong 2s (50/s) / population: 100 students in 2s (50/s)\n']);
  });

  // cli27 (review26a): the progress lines were English only (`sync 12 smas students: 300 records in 2s`).
  it('every line it prints reads Vietnamese then English, as every other line of the CLI', () => {
    const c = capture();
    const p = startProgress(c.out, PULL, { unit: RECORDS, total: 20, everyMs: 0, now: c.now });
    for (let i = 1; i <= 20; i++) {
      c.advance(1000);
      p.update(i);
    }
    p.stop({ vi: 'xong', en: 'done' });
    expect(c.err).toHaveLength(21);
    for (const line of c.err) expectViThenEn(line.trimEnd());
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(95)).toBe('1m35s');
    expect(formatDuration(3 * 3600 + 125)).toBe('3h02m');
  });
});
