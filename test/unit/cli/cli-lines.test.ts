/**
 * cli27 (review26a): lines the CLI prints, built from parts, each read whole: `schedules list` says what a busy fire
 * did and when the next comes; `dead-letters list` prints the API's view of a letter, one line each; `pcgd compute`
 * says when a commune was last pulled. The demo's summary: test/unit/demo/demo-summary-lines.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { deadLetterLine } from '../../../src/cli/commands/dead-letters.js';
import { errorMessage } from '../../../src/errors.js';
import { pullLine } from '../../../src/cli/commands/pcgd.js';
import { scheduleLine } from '../../../src/cli/commands/schedules.js';
import type { ScheduleView } from '../../../src/jobs/schedule-control.js';
import { expectViThenEn } from '../../helpers/vietnamese-half.js';

describe('truc schedules list: a busy fire', () => {
  const schedule = (lastRun: ScheduleView['lastRun'], nextRunAt: string | null): ScheduleView => ({
    id: 'smas-students-nightly',
    kind: 'pull',
    system: 'smas',
    entity: 'students',
    scope: null,
    full: false,
    cron: '0 2 * * *',
    everyMs: null,
    tz: 'Asia/Ho_Chi_Minh',
    paused: false,
    pausedBy: null,
    pausedById: null,
    lastRun,
    nextRunAt,
  });

  // Was: `last 2026-12-04 02:00 (+07) busy, sync run 12`, read as if the fire had requested run 12.
  it('says the fire was skipped, which run it found unfinished, and when the next fire is', () => {
    const line = scheduleLine(
      schedule(
        {
          ...{ fireAt: '2026-12-03T19:00:00Z', outcome: 'busy', syncRunId: 12, qualityRunId: null },
          ...{ runStatus: 'held', error: null },
        },
        '2026-12-04T19:00:00Z',
      ),
      true,
    );
    expectViThenEn(line);
    expect(line).toBe(
      'smas-students-nightly: smas học sinh, lịch cron 0 2 * * * (Asia/Ho_Chi_Minh); ' +
        'lần trước 2026-12-04 02:00 (+07) bỏ qua: lượt đồng bộ 12 (bị giữ chờ duyệt: truc holds list) trước đó của cùng hệ thống, loại dữ liệu và phạm vi chưa xong, không yêu cầu lượt mới; ' +
        'lần tới 2026-12-05 02:00 (+07) (sẽ yêu cầu lượt mới nếu lượt 12 đã xong) / ' +
        'smas-students-nightly: smas students, cron 0 2 * * * (Asia/Ho_Chi_Minh); ' +
        'last 2026-12-04 02:00 (+07) skipped (busy): the earlier sync run 12 (held for a decision: truc holds list) of the same system, entity and scope had not finished, no run requested; ' +
        'next 2026-12-05 02:00 (+07) (requests a run if run 12 has finished by then)',
    );
  });

  it('a requested fire reads as before', () => {
    const line = scheduleLine(
      schedule(
        {
          fireAt: '2026-12-03T19:00:00Z',
          outcome: 'requested',
          syncRunId: 13,
          qualityRunId: null,
          runStatus: 'done',
          error: null,
        },
        '2026-12-04T19:00:00Z',
      ),
      true,
    );
    expectViThenEn(line);
    expect(line).toContain('last 2026-12-04 02:00 (+07) requested, sync run 13; next 2026-12-05 02:00 (+07)');
  });

  // fix7: the list read 'requested, sync run 13' while the run waited for a city admin's decision
  it('a last run held by the mass-change guard says so, and where it is decided', () => {
    const line = scheduleLine(
      schedule(
        {
          ...{ fireAt: '2026-12-03T19:00:00Z', outcome: 'requested', syncRunId: 13, qualityRunId: null },
          ...{ runStatus: 'held', error: null },
        },
        '2026-12-04T19:00:00Z',
      ),
      true,
    );
    expectViThenEn(line);
    expect(line).toContain('lượt đồng bộ 13 (bị giữ chờ duyệt: truc holds list); lần tới');
    expect(line).toContain('requested, sync run 13 (held for a decision: truc holds list); next');
  });
});

describe('truc schedules list: a quality schedule (fix35d)', () => {
  const quality = (lastRun: ScheduleView['lastRun']): ScheduleView => ({
    id: 'quality-nightly',
    kind: 'quality',
    system: null,
    entity: null,
    scope: null,
    full: false,
    cron: '0 3 * * *',
    everyMs: null,
    tz: 'Asia/Ho_Chi_Minh',
    paused: false,
    pausedBy: null,
    pausedById: null,
    lastRun,
    nextRunAt: '2026-12-04T20:00:00Z',
  });

  it('says it computes the quality scorecards and names the quality run its fire requested', () => {
    const line = scheduleLine(
      quality({
        fireAt: '2026-12-03T20:00:00Z',
        outcome: 'requested',
        syncRunId: null,
        qualityRunId: 5,
        runStatus: null,
        error: null,
      }),
      true,
    );
    expectViThenEn(line);
    expect(line).toBe(
      'quality-nightly: tính thẻ điểm chất lượng, lịch cron 0 3 * * * (Asia/Ho_Chi_Minh); ' +
        'lần trước 2026-12-04 03:00 (+07) đã yêu cầu, lần tính thẻ điểm 5; lần tới 2026-12-05 03:00 (+07) / ' +
        'quality-nightly: quality scorecards, cron 0 3 * * * (Asia/Ho_Chi_Minh); ' +
        'last 2026-12-04 03:00 (+07) requested, quality run 5; next 2026-12-05 03:00 (+07)',
    );
  });

  it('a busy fire says an earlier quality run was unfinished, naming no sync run', () => {
    const line = scheduleLine(
      quality({
        fireAt: '2026-12-03T20:00:00Z',
        outcome: 'busy',
        syncRunId: null,
        qualityRunId: null,
        runStatus: null,
        error: null,
      }),
      true,
    );
    expect(line).toContain('last 2026-12-04 03:00 (+07) busy; next');
    expect(line).not.toContain('sync run');
  });
});

/** A dead letter as `GET /v1/dead-letters` gives it: a push job's, open, failed 2026-12-04 18:10Z; `over` changes it. */
const letter = (over: Partial<Parameters<typeof deadLetterLine>[0]>) =>
  deadLetterLine({
    id: 7,
    queue: 'push',
    job: 'push-set',
    errorCode: 'ERR_ADAPTER_REJECTED',
    errorMessage: 'hcm-csdl answered 400',
    message: errorMessage(over.errorCode ?? 'ERR_ADAPTER_REJECTED'),
    attempts: 1,
    failedAt: '2026-12-04T18:10:00.000Z',
    replayedAt: null,
    replayedBy: null,
    replayedById: null,
    resolvedAt: null,
    abandonedAt: null,
    abandonedReason: null,
    mappingVersion: null,
    refs: {},
    ...over,
  });

describe('truc dead-letters list: one line a letter, the API’s view', () => {
  it('shows control characters of a letter’s message as ? (review11: another system’s words reached the terminal)', () => {
    const line = letter({
      id: 8,
      errorMessage: 'SMAS answered 400 [SMAS_X]\u001b]0;owned\u0007\u001b[2J\u202e',
    });
    expect(line).toContain('(SMAS answered 400 [SMAS_X]?]0;owned??[2J?)');
    expect([...line].filter((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u202e')).toEqual([]);
  });

  it('its id, queue and job, code, attempts, when it failed, where it stands, mapping and references', () => {
    const line = letter({ attempts: 8, mappingVersion: 'v3', refs: { pushSetId: 5, batchId: 2 } });
    expectViThenEn(line);
    expect(line).toMatch(
      /^việc lỗi 7 push\/push-set: ERR_ADAPTER_REJECTED \([^)]*\), 8 lần thử, lỗi 2026-12-05 01:10 \(\+07\), còn mở; ánh xạ v3; pushSetId 5, batchId 2 \/ /,
    );
    expect(line).toMatch(
      / \/ dead letter 7 push\/push-set: ERR_ADAPTER_REJECTED \(hcm-csdl answered 400\), 8 attempts, failed 2026-12-05 01:10 \(\+07\), open; mapping v3; pushSetId 5, batchId 2$/,
    );
  });

  it('walk: the English half gives the job’s message once, without the code the line gives already', () => {
    const line = letter({
      ...{ id: 1, queue: 'push.hcm-csdl', failedAt: '2026-12-06T12:48:27.632Z', refs: { pushSetId: 5 } },
      errorMessage: 'ERR_ADAPTER_REJECTED: hcm-csdl PUT /v1/staff:batch failed: HTTP 400',
    });
    expect(line).toContain(
      ' / dead letter 1 push.hcm-csdl/push-set: ERR_ADAPTER_REJECTED (hcm-csdl PUT /v1/staff:batch failed: HTTP 400), 1 attempt,',
    );
  });

  it('fix33c: a letter closed without a replay says why (a scheduler letter closed by its replay, a forgotten target)', () => {
    const closed = (abandonedReason: 'closed-by-replay' | 'target-forgotten') =>
      letter({
        ...{
          id: 8,
          queue: 'schedules',
          job: 'schedule-fire',
          errorCode: 'ERR_ADAPTER_UNAVAILABLE',
          attempts: 5,
        },
        ...{
          errorMessage: 'hcm-csdl answered 503',
          abandonedAt: '2026-12-04T19:00:00.000Z',
          abandonedReason,
        },
      });
    const fire = closed('closed-by-replay');
    expectViThenEn(fire);
    expect(fire).toContain(
      'đã đóng không chạy lại 2026-12-05 02:00 (+07): việc theo lịch, một lần chạy lại đã đóng, chạy lại ở lần kích hoạt sau;',
    );
    expect(fire).toContain(
      'closed unreplayed 2026-12-05 02:00 (+07): a scheduled job closed by its replay, it runs again at its next fire;',
    );
    expect(fire).not.toMatch(/forgotten|bị quên/);
    const gone = closed('target-forgotten');
    expect(gone).toContain('(+07): hệ thống đích đã gỡ và bị quên;');
    expect(gone).toContain('(+07): its target removed and forgotten;');
  });
});

describe('truc pcgd compute: when a commune was last pulled (walk2)', () => {
  it("says the pull's time on Vietnam's clock, as every other line does, not the API's UTC text", () => {
    const line = pullLine('27286', { personsPulledAt: '2026-12-06T15:23:05.092Z', personsPulling: false });
    expect(line).toBe(
      'xã 27286: dữ liệu điều tra kéo xong lần cuối lúc 2026-12-06 22:23 (+07) / ' +
        'commune 27286: persons last pulled at 2026-12-06 22:23 (+07)',
    );
    expectViThenEn(line);
    expect(pullLine('27286', { personsPulledAt: null, personsPulling: false })).toContain(
      'persons never pulled',
    );
  });
});
