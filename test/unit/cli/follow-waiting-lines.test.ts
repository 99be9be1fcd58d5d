/**
 * W6-10: `truc sync run --follow` on a system whose circuit was open printed the same waiting line again and again: the
 * probe times move by seconds but read to the minute. A line is printed only when what it says changes.
 */
import { describe, expect, it } from 'vitest';
import { waitingLine } from '../../../src/cli/commands/sync-follow.js';
import { startProgress, type CliOutput } from '../../../src/cli/kit.js';

const open = (until: string) =>
  ({ reason: 'circuit-open', system: 'smas', since: '2026-12-07T01:12:03Z', until }) as const;

/** The lines `follow` prints for these successive looks (its `waited` key carried from one to the next). */
function printed(looks: ReadonlyArray<Parameters<typeof waitingLine>[2]>): string[] {
  let key = '';
  const lines: string[] = [];
  for (const w of looks) {
    const r = waitingLine(13, 'smas', w, key);
    key = r.key;
    if (r.line) lines.push(r.line);
  }
  return lines;
}

describe('sync run --follow prints a waiting line only when it reads otherwise (W6-10)', () => {
  it('a probe time moved by seconds within the minute prints nothing new; the next minute, a probe, the end do', () => {
    const lines = printed([
      open('2026-12-07T01:12:08Z'),
      open('2026-12-07T01:12:18Z'),
      open('2026-12-07T01:12:38Z'),
      { reason: 'probe', system: 'smas', since: '2026-12-07T01:12:03Z', until: '2026-12-07T01:13:08Z' },
      open('2026-12-07T01:13:18Z'),
      open('2026-12-07T01:13:40Z'),
      null,
      null,
    ]);
    expect(lines).toEqual([
      'lượt đồng bộ 13: chờ smas: cầu dao mở từ 2026-12-07 08:12 (+07), thử lại lúc 2026-12-07 08:12 (+07) / ' +
        'sync run 13: waiting on smas: circuit open since 2026-12-07 08:12 (+07), next probe at 2026-12-07 08:12 (+07)',
      'lượt đồng bộ 13: chờ smas: đang thử lại (cầu dao mở từ 2026-12-07 08:12 (+07)), đến 2026-12-07 08:13 (+07) / ' +
        'sync run 13: waiting on smas: a probe in flight (circuit open since 2026-12-07 08:12 (+07)), until 2026-12-07 08:13 (+07)',
      'lượt đồng bộ 13: chờ smas: cầu dao mở từ 2026-12-07 08:12 (+07), thử lại lúc 2026-12-07 08:13 (+07) / ' +
        'sync run 13: waiting on smas: circuit open since 2026-12-07 08:12 (+07), next probe at 2026-12-07 08:13 (+07)',
      'lượt đồng bộ 13: hết chờ smas / sync run 13: no longer waiting on smas',
    ]);
  });

  it("the progress line off a terminal is not printed again while it says the same (a wait's note, 0 records)", () => {
    const err: string[] = [];
    const out: CliOutput = { stdout: () => undefined, stderr: (s) => err.push(s) };
    let t = 0;
    const p = startProgress(
      out,
      { vi: 'lượt đồng bộ 13', en: 'sync 13' },
      { unit: { vi: 'bản ghi', en: 'records' }, everyMs: 5000, now: () => t },
    );
    p.note({ vi: 'chờ smas đến 08:12 (+07)', en: 'waiting on smas until 08:12 (+07)' });
    for (let i = 0; i < 4; i++) {
      t += 5000;
      p.update(0);
    }
    p.note({ vi: 'chờ smas đến 08:13 (+07)', en: 'waiting on smas until 08:13 (+07)' });
    t += 5000;
    p.update(0);
    expect(err).toEqual([
      'lượt đồng bộ 13: 0 bản ghi, chờ smas đến 08:12 (+07) / sync 13: 0 records, waiting on smas until 08:12 (+07)\n',
      'lượt đồng bộ 13: 0 bản ghi, chờ smas đến 08:13 (+07) / sync 13: 0 records, waiting on smas until 08:13 (+07)\n',
    ]);
  });
});
