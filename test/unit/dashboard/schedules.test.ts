/**
 * schedui (walk3 W3-4): the schedules card's actions (pause, resume, run now) only for a token that may take them,
 * their outcomes in words, where a schedule's runs are listed, and a `busy` fire explained (which unfinished run it
 * met, none requested).
 */
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../dashboard/src/api-types.js';

/**
 * overview-schedules.ts imports kit.ts (DOM types: the root tsconfig has no DOM lib), so it is imported by a path tsc does not
 * follow, typed here by what the test uses; the dashboard's own `tsc -p dashboard` checks the module.
 */
interface SchedulesModule {
  actionText: (action: 'pause' | 'resume' | 'run', x: Schedule, r?: object) => string;
  runsHref: (x: Schedule) => string;
  scheduleColumns: (
    canAct: boolean,
    act: () => Promise<void>,
  ) => Array<{ head: string; cell: (x: Schedule) => unknown }>;
}
const MODULE = '../../../dashboard/src/overview-schedules.js';
const { actionText, runsHref, scheduleColumns } = (await import(MODULE)) as SchedulesModule;

const pull: Schedule = {
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
  lastRun: null,
  nextRunAt: null,
};
const quality: Schedule = { ...pull, id: 'quality-nightly', kind: 'quality', system: null, entity: null };
const act = async () => {};

describe('dashboard: the schedules card’s actions', () => {
  it('shows the actions column only to a token that may act', () => {
    expect(scheduleColumns(false, act).map((c) => c.head)).not.toContain('actions');
    expect(scheduleColumns(true, act).map((c) => c.head)).toContain('actions');
  });

  it('says each outcome: paused, resumed, the sync or quality run requested', () => {
    expect(actionText('pause', pull)).toBe('Đã tạm dừng lịch smas-students-nightly.');
    expect(actionText('resume', pull)).toBe('Đã tiếp tục lịch smas-students-nightly.');
    const requested = { kind: 'pull', syncRunId: 41, statusUrl: '/v1/syncs/41' } as const;
    expect(actionText('run', pull, requested)).toBe(
      'Lịch smas-students-nightly: đã yêu cầu lần đồng bộ #41.',
    );
    const q = { kind: 'quality', syncRunId: null, qualityRunId: 7, statusUrl: '/v1/quality/runs/7' } as const;
    expect(actionText('run', quality, q)).toBe('Lịch quality-nightly: đã yêu cầu lần tính thẻ điểm #7.');
  });

  it('links a pull’s runs on the sync runs page filtered to it, a quality schedule’s on the quality page', () => {
    expect(runsHref(pull)).toBe('#/sync?system=smas&entity=students');
    expect(runsHref(quality)).toBe('#/quality');
  });

  it('explains a busy fire: the unfinished run it met, none requested', () => {
    const lastRun = scheduleColumns(false, act).find((c) => c.head === 'lastRun')!;
    const busy: Schedule = {
      ...pull,
      lastRun: {
        fireAt: '2026-12-05T19:00:00.000Z',
        outcome: 'busy',
        syncRunId: 812,
        qualityRunId: null,
        runStatus: 'running',
        error: null,
      },
    };
    expect(lastRun.cell(busy)).toBe(
      '02:00 06/12/2026 (Lượt trước chưa xong: lần 812 cùng hệ thống, loại và phạm vi chưa xong (đang chờ, đang chạy hoặc bị giữ): không yêu cầu lần mới)',
    );
  });
});
