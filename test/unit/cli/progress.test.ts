import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatDuration, startProgress, type CliOutput } from '../../../src/cli/kit.js';

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

describe('startProgress', () => {
  it('off a TTY prints a plain line at most every everyMs, with count, total, rate and ETA', () => {
    const c = capture();
    const p = startProgress(c.out, 'pull smas students', {
      unit: 'records',
      total: 10_000,
      everyMs: 5000,
      now: c.now,
    });
    c.advance(1000);
    p.update(1000); // too soon: no line
    expect(c.err).toEqual([]);
    c.advance(4000);
    p.update(2500); // 5 s in, 500/s, 7,500 left → 15 s
    expect(c.err).toEqual(['pull smas students: 2,500/10,000 records (25%), 500/s, eta 15s\n']);
    c.advance(1000);
    p.increment(10); // 1 s after the last line: none
    expect(c.err).toHaveLength(1);
    c.advance(14_000);
    p.update(10_000);
    p.stop();
    expect(c.err.slice(1)).toEqual([
      'pull smas students: 10,000/10,000 records (100%), 500/s, eta 0s\n',
      'pull smas students: 10,000 records in 20s (500/s)\n',
    ]);
  });

  it('without a total shows count and rate only, and stop adds the outcome once', () => {
    const c = capture();
    const p = startProgress(c.out, 'compute', { unit: 'communes', everyMs: 0, now: c.now });
    c.advance(2000);
    p.update(300);
    p.stop('failed: ERR_UPSTREAM');
    p.stop('again');
    p.update(400); // after stop: nothing
    expect(c.err).toEqual([
      'compute: 300 communes 150/s\n',
      'compute: 300 communes in 2s (150/s); failed: ERR_UPSTREAM\n',
    ]);
  });

  it('a total learnt later turns on the percentage', () => {
    const c = capture();
    const p = startProgress(c.out, 'sync', { unit: 'records', everyMs: 0, now: c.now });
    c.advance(1000);
    p.update(50, 200);
    p.stop();
    expect(c.err[0]).toBe('sync: 50/200 records (25%), 50/s, eta 3s\n');
  });

  it('on a TTY redraws a bar on the terminal, and leaves one closing line on stderr', () => {
    const c = capture(true);
    const p = startProgress(c.out, 'population', { unit: 'students', total: 400, now: c.now });
    c.advance(2000);
    p.update(100);
    p.stop();
    const screen = c.drawn.join('');
    expect(screen).toContain('population ');
    expect(screen).toContain('25% 100/400 students · 50/s · eta 6s');
    expect(screen).toMatch(/\u2588+\u2591+/); // the bar itself
    expect(c.err).toEqual(['population: 100 students in 2s (50/s)\n']);
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(95)).toBe('1m35s');
    expect(formatDuration(3 * 3600 + 125)).toBe('3h02m');
  });
});
