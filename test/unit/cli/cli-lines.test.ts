/**
 * cli27 (review26a): lines the CLI and the demo print, built from parts, each read whole. The demo's summary reads
 * Vietnamese then English on every line that says something (it mixed a label's two languages with English-only
 * words: `CSDL thành phố / at hcm-csdl: 120 students (học sinh) received by …`), a URL or a client's credentials on a
 * line of their own; `schedules list` says what a busy fire did and when the next comes; `dead-letters list` prints
 * the API's view of a letter, one line each.
 */
import { describe, expect, it } from 'vitest';
import { deadLetterLine } from '../../../src/cli/commands/dead-letters.js';
import { pullLine } from '../../../src/cli/commands/pcgd.js';
import { scheduleLine } from '../../../src/cli/commands/schedules.js';
import { operationsLines } from '../../../src/demo/operations.js';
import { pcgdLines } from '../../../src/demo/pcgd.js';
import { summaryLines, type Held } from '../../../src/demo/summary.js';
import type { BatchResult } from '../../../src/demo/vendor-pushes.js';
import type { ScheduleView } from '../../../src/jobs/schedule-control.js';
import { expectViThenEn } from '../../helpers/vietnamese-half.js';

const BASE = 'http://127.0.0.1:8080';

/** A line with nothing to say in a language: URLs, the simulators' addresses, a client's credentials. */
const saysNothing = (line: string) =>
  line
    .replace(/https?:\/\/\S+/g, '')
    .replace(/client_(id|secret) \S+/g, '')
    .replace(/\b(hcm-csdl|moet-pcgd|smas|vnedu)\b/g, '')
    .replace(/[\s,]/g, '') === '';

/** Every line: empty, says nothing in a language, or reads `vi / en`, each half whole. */
function expectEachLineViThenEn(lines: readonly string[]): void {
  for (const line of lines) {
    if (line.trim() === '' || saysNothing(line)) continue;
    expectViThenEn(line.trim());
  }
}

const batch = (over: Partial<BatchResult>): BatchResult => ({
  vendor: 'smas',
  school: '79000001',
  entity: 'students',
  format: 'canonical',
  statusUrl: '/v1/batches/1',
  status: 'done',
  counts: { received: 40, accepted: 39, rejected: 1, unchanged: 0 },
  ...over,
});

const client = (id: string) => ({
  clientId: `cl_${id}`,
  clientSecret: 'x'.repeat(40),
  name: id,
  role: 'vendor' as const,
  schools: [],
  units: [],
  scopes: [],
});

describe("the demo's summary", () => {
  const batches = [
    batch({}),
    batch({ vendor: 'vnedu', school: '79000002', format: 'vnedu', statusUrl: '/v1/batches/2' }),
    batch({ entity: 'staff', format: 'smas', statusUrl: '/v1/batches/3' }),
  ];
  const held: Held = {
    counts: { schools: 6, students: 240, staff: 20, persons: 500 },
    findings: [{ criterion: 'SACH_X', severity: 'warning', n: 2 }],
    dead: 1,
    audit: { ok: true, rows: 12, head: 'ab' },
  };
  const lines = summaryLines(
    { 'hcm-csdl': `${BASE}1`, 'moet-pcgd': `${BASE}2`, smas: `${BASE}3`, vnedu: `${BASE}4` },
    BASE,
    '/tmp/demo',
    { admin: client('admin'), auditor: client('auditor'), smas: client('smas'), vnedu: client('vnedu') },
    {
      batches,
      atSim: 78,
      syncs: [
        { status: 'done', system: 'hcm-csdl', entity: 'students', records: 240, pages: 1 },
        { status: 'done', system: 'moet-pcgd', entity: 'persons', records: 500, pages: 1 },
      ],
    },
    held,
  );

  it('reads Vietnamese then English on every line that says something', () => {
    expect(lines.length).toBeGreaterThan(20);
    expectEachLineViThenEn(lines);
  });

  it('says what it did: the vendors’ batches, what reached the city database, the pulls, the audit chain', () => {
    const text = lines.join('\n');
    expect(text).toContain(
      'lô của nhà cung cấp: 3, được nhận 78 học sinh và 39 cán bộ, bị từ chối 3 bản ghi / ' +
        'vendor batches: 3, accepted 78 students and 39 staff, rejected 3 records',
    );
    expect(text).toContain(
      'CSDL thành phố (mô phỏng) đã nhận 78 học sinh / at hcm-csdl: 78 students received by the simulated city database',
    );
    expect(text).toContain(
      'lượt kéo: hcm-csdl học sinh 240, moet-pcgd người trong điều tra PCGD 500 / pulls: hcm-csdl students 240, moet-pcgd persons 500',
    );
    expect(text).toContain('chuỗi nhật ký kiểm toán: OK (12 dòng) / audit chain: OK (12 rows)');
    expect(text).toMatch(/city admin:\n\s+client_id cl_admin {2}client_secret x{40}/);
    expect(text).toContain(`\n      ${BASE}/dashboard\n`);
  });

  it('says where each simulator listens, a line each, and where its faults are set (walk5 W5-5)', () => {
    const text = lines.join('\n');
    expect(text).toContain(
      'simulators (faults: POST <URL>/__sim/faults, README, External systems and simulators):',
    );
    for (const [i, system] of ['hcm-csdl', 'moet-pcgd', 'smas', 'vnedu'].entries())
      expect(lines).toContain(`      ${system} ${BASE}${i + 1}`);
  });

  it('the PCGD-XMC and operations steps alike', () => {
    const pcgd = pcgdLines(
      {
        ok: true,
        unitCode: '26734',
        year: 2026,
        report: {
          reportId: 3,
          status: 'receipted',
          persons: 500,
          levels: [
            { level: 'PCGDMN', met: true },
            { level: 'PCGDTH-1', met: false },
          ],
          receipt: {
            receiptId: 'R-1',
            receivedAt: '2026-12-04T18:10:00Z',
            checksum: 'sha256:0123456789abcdef0123',
          },
        },
      },
      BASE,
    );
    const ops = operationsLines(
      {
        scorecards: [{ code: '26734', schools: 3, records: 120, overall: { percent: 97.5, band: 'green' } }],
        deadLetters: 1,
        schedules: [
          { id: 'hcm-csdl-schools-nightly', nextRunAt: '2026-12-05T18:00:00Z' },
          { id: 'smas-students-nightly', nextRunAt: '2026-12-05T19:00:00Z' },
        ],
      },
      BASE,
    );
    expectEachLineViThenEn([...pcgd, ...ops]);
    expect(pcgd[0]).toBe(
      '  PCGD-XMC: xã 26734, năm 2026: đếm 500 người, báo cáo 3 đã có biên nhận / ' +
        'PCGD-XMC: commune 26734, year 2026: 500 persons counted, report 3 receipted',
    );
    expect(pcgd[2]).toContain('biên nhận của Bộ R-1 lúc 2026-12-05 01:10 (+07)');
    expect(ops).toContain(
      '  lịch đồng bộ: 2, lịch kế tiếp: hcm-csdl-schools-nightly lúc 2026-12-06 01:00 (+07) / ' +
        'schedules: 2, the next: hcm-csdl-schools-nightly at 2026-12-06 01:00 (+07)',
    );
  });
});

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

describe('truc dead-letters list: one line a letter, the API’s view', () => {
  it('its id, queue and job, code, attempts, when it failed, where it stands, mapping and references', () => {
    const line = deadLetterLine({
      id: 7,
      queue: 'push',
      job: 'push-set',
      errorCode: 'ERR_ADAPTER_REJECTED',
      errorMessage: 'hcm-csdl answered 400',
      attempts: 8,
      failedAt: '2026-12-04T18:10:00.000Z',
      replayedAt: null,
      replayedBy: null,
      replayedById: null,
      resolvedAt: null,
      abandonedAt: null,
      abandonedReason: null,
      mappingVersion: 'v3',
      refs: { pushSetId: 5, batchId: 2 },
    });
    expectViThenEn(line);
    expect(line).toMatch(
      /^việc lỗi 7 push\/push-set: ERR_ADAPTER_REJECTED \([^)]*\), 8 lần thử, lỗi 2026-12-05 01:10 \(\+07\), còn mở; ánh xạ v3; pushSetId 5, batchId 2 \/ /,
    );
    expect(line).toMatch(
      / \/ dead letter 7 push\/push-set: ERR_ADAPTER_REJECTED \(hcm-csdl answered 400\), 8 attempts, failed 2026-12-05 01:10 \(\+07\), open; mapping v3; pushSetId 5, batchId 2$/,
    );
  });

  it('walk: the English half gives the job’s message once, without the code the line gives already', () => {
    const line = deadLetterLine({
      ...{ id: 1, queue: 'push.hcm-csdl', job: 'push-set', errorCode: 'ERR_ADAPTER_REJECTED', attempts: 1 },
      errorMessage: 'ERR_ADAPTER_REJECTED: hcm-csdl PUT /v1/staff:batch failed: HTTP 400',
      ...{ failedAt: '2026-12-06T12:48:27.632Z', replayedAt: null, replayedBy: null, replayedById: null },
      ...{ resolvedAt: null, abandonedAt: null, abandonedReason: null, mappingVersion: null },
      refs: { pushSetId: 5 },
    });
    expect(line).toContain(
      ' / dead letter 1 push.hcm-csdl/push-set: ERR_ADAPTER_REJECTED (hcm-csdl PUT /v1/staff:batch failed: HTTP 400), 1 attempt,',
    );
  });

  it('fix33c: a letter closed without a replay says why (a scheduler letter closed by its replay, a forgotten target)', () => {
    const closed = (abandonedReason: 'closed-by-replay' | 'target-forgotten') =>
      deadLetterLine({
        id: 8,
        queue: 'schedules',
        job: 'schedule-fire',
        errorCode: 'ERR_ADAPTER_UNAVAILABLE',
        errorMessage: 'hcm-csdl answered 503',
        attempts: 5,
        failedAt: '2026-12-04T18:10:00.000Z',
        replayedAt: null,
        replayedBy: null,
        replayedById: null,
        resolvedAt: null,
        abandonedAt: '2026-12-04T19:00:00.000Z',
        abandonedReason,
        mappingVersion: null,
        refs: {},
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
