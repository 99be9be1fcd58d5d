/**
 * What the city's IT admin does from the command line instead of curl (tidy23): `truc sync list|show`,
 * `truc schedules list|pause|resume|run`, `truc holds list|show|approve|reject`, run in process (`runCli`)
 * against a real PostgreSQL and Redis, beside the API on the same database: each `--json` answer is the
 * API's, each human line is Vietnamese then English, each decision is audited as `operator:cli:<the operator>` (`--as`, TRUC_OPERATOR, else the OS user;
 * a hostile name refused, nothing changed), and an
 * error (an unknown id, a hold decided already) is one bilingual line with its code and a non-zero exit.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { listSchedules } from '../../src/jobs/schedule-control.js';
import { startScheduler } from '../../src/jobs/schedules.js';
import { fireSchedule } from '../../src/jobs/contracts.js';
import { createDeliveryGatesRepo } from '../../src/store/delivery-gates.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createRunGuardRepo } from '../../src/store/run-guard.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';
import { seedListedRuns } from '../helpers/sync-run-seed.js';
import { REDIS_TEST_URL } from '../helpers/env.js';
import { ROOT } from '../helpers/proc.js';
import { englishKeysInVietnamese } from '../helpers/vietnamese-half.js';
import { heldRunPage } from '../helpers/held-run.js';
import { truc } from '../helpers/cli-in-process.js';

const SCHEDULES = `
sync:
  schedules:
    smas-students-nightly: { cron: '0 2 * * *', system: smas, entity: students }
    hcm-csdl-students-weekly-full: { cron: '0 3 * * 0', system: hcm-csdl, entity: students, full: true }
`;

/**
 * Every non-empty line reads `vi / en`, its Vietnamese half with a letter outside ASCII and no English key of a
 * status, kind or entity (review25 N3: `lệnh giữ 3 (run, …) held`).
 */
function expectBilingual(text: string): void {
  for (const line of text.trim().split('\n')) {
    const [vi, ...en] = line.split(' / ');
    expect({ vi: /[^ -~]/.test(vi!), en: en.length > 0 }, line).toEqual({ vi: true, en: true });
    expect(englishKeysInVietnamese(line), line).toEqual([]);
  }
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('truc sync, schedules and holds for the city admin (postgres+redis)', () => {
  const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  let configDir: string;
  let config: Config;
  let doneRun: number;
  let failedRun: number;
  let heldRun: number;
  let holdId: number;

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'truc-cli-admin-'));
    const testProfile = await readFile(join(ROOT, 'config', 'test.yaml'), 'utf8');
    await writeFile(join(configDir, 'test.yaml'), `${testProfile}\n${SCHEDULES}`);
    const env = {
      TRUC_PROFILE: 'test',
      TRUC_CONFIG_DIR: configDir,
      DATABASE_URL: h.env.databaseUrl!,
      REDIS_URL: REDIS_TEST_URL,
      TRUC_QUEUE_PREFIX: h.env.redisPrefix!,
      DATA_DIR: h.env.dataDir,
      // who acts, for the audit log (kit.ts operatorActor): `--as` wins over it, the OS user is the default
      TRUC_OPERATOR: 'admin.q1',
      // a pull is requested only from a configured system (the workers are played here: nothing is called)
      ...CONFIGURED_SYSTEMS_ENV,
    };
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    config = loadConfig();

    const db = h.env.deps.db;
    ({ doneRun, failedRun } = await seedListedRuns(db));
    const runs = createSyncRunsRepo(db);
    heldRun = await runs.create({
      system: 'smas',
      entity: 'students',
      scope: '',
      since: 'w0',
      requestedBy: 'x',
    });
    expect(await createRunGuardRepo(db).hold(heldRun)).toBe(true);
    holdId = await createGuardHoldsRepo(db).create({
      kind: 'run',
      syncRunId: heldRun,
      entity: 'students',
      diff: [
        {
          school: '79000001',
          live: 100,
          deleted: 40,
          moved: 2,
          changed: 5,
          keys: {
            deleted: Array.from({ length: 40 }, (_, i) => `HS${String(i).padStart(3, '0')}`),
            moved: ['HS900', 'HS901'],
            changed: [],
          },
        },
      ],
      reasons: [{ school: '79000001', kind: 'deleted', count: 40, live: 100, ratio: 0.4, threshold: 0.2 }],
    });
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(configDir, { recursive: true, force: true });
  });

  describe('truc sync list | show', () => {
    it('list --json answers what GET /v1/syncs answers', async () => {
      const e = await truc('sync', 'list', '--json');
      expect(e.code, e.stderr).toBe(0);
      const api = (await h.get('/v1/syncs', h.tokens.admin)).json<{ items: unknown[] }>();
      expect(jsonLines(e.stdout)).toEqual(
        api.items.map((i) => ({ ...(i as object), durationSeconds: expect.any(Number) })),
      );
    });

    it('list: one bilingual line a run, filtered by system, entity, status and day', async () => {
      const e = await truc('sync', 'list', '--system', 'smas');
      expect(e.code, e.stderr).toBe(0);
      expectBilingual(e.stdout);
      const lines = e.stdout.trim().split('\n');
      expect(lines[0]).toBe('2 trên 2 lượt đồng bộ, mới nhất trước / 2 of 2 sync runs, newest first');
      expect(lines[1]).toMatch(
        // Who asked for it (review32 F5): the run's requestedBy.
        new RegExp(`^  lượt ${heldRun} smas học sinh \\(tất cả\\) bị giữ chờ duyệt, tạo [^,]* bởi x, `),
      );
      expect(lines[2]).toMatch(
        new RegExp(
          `^  lượt ${failedRun} smas cán bộ, giáo viên \\(tất cả\\) thất bại, .*, lỗi ERR_ADAPTER_UNAVAILABLE / run `,
        ),
      );
      const done = await truc('sync', 'list', '--status', 'done', '--entity', 'students');
      expect(done.stdout).toContain(`run ${doneRun} hcm-csdl students (all, full) done, created `);
      expect(done.stdout).toContain('11 records, 5 accepted, 1 rejected, 5 unchanged');
      const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
      expect((await truc('sync', 'list', '--from', today, '--json')).stdout.trim().split('\n')).toHaveLength(
        3,
      );
      const none = await truc('sync', 'list', '--to', '2020-01-01');
      expect(none).toMatchObject({
        code: 0,
        stdout: '',
        stderr: 'không có lượt đồng bộ nào khớp / no sync run matches\n',
      });
    });

    it('show: counts per outcome, duration, mapping version, error summary; its hold when held', async () => {
      const e = await truc('sync', 'show', String(doneRun));
      expect(e.code, e.stderr).toBe(0);
      expectBilingual(e.stdout);
      expect(e.stdout).toContain(`sync run ${doneRun}: hcm-csdl students, all, full\n`);
      expect(e.stdout).toContain('/ mapping version: hcm-csdl/students@1\n');
      expect(e.stdout).toContain(
        '/ 11 records in 1 page, 0 tombstones; accepted 5, rejected 1, unchanged 5\n',
      );
      expect(e.stdout).toContain(
        '/ errors: no code; 0 of 2 batches failed, 1 record rejected, 0 open dead letters\n',
      );
      expect(e.stdout).toMatch(/status: done, created .* by x, finished .*, [\d.]+ s\n/);
      const failed = await truc('sync', 'show', String(failedRun));
      expect(failed.stdout).toContain('errors: ERR_ADAPTER_UNAVAILABLE; 0 of 0 batches failed');
      expect(failed.stdout).toContain('mapping version: none');
      const held = await truc('sync', 'show', String(heldRun));
      expect(held.stdout).toContain(
        `held by the mass-change guard: hold ${holdId} (truc holds show ${holdId})`,
      );
      const json = await truc('sync', 'show', String(doneRun), '--json');
      expect(JSON.parse(json.stdout)).toMatchObject({ syncRunId: doneRun, counts: { accepted: 5 } });
    });

    it('an unknown run is one bilingual line with its code, exit 1; a bad id or filter is exit 2', async () => {
      const e = await truc('sync', 'show', '999999');
      expect(e).toMatchObject({ code: 1, stdout: '' });
      expect(e.stderr).toBe(
        'truc: ERR_NOT_FOUND: Không tìm thấy tài nguyên. / The resource was not found.: không có lượt đồng bộ 999999 / no sync run 999999\n',
      );
      for (const argv of [
        ['sync', 'show', 'x'],
        ['sync', 'list', '--status', 'late'],
        ['sync', 'list', '--from', '2026-02-30'],
        ['sync', 'list', '--from', '2026-12-05', '--to', '2026-12-04'],
      ]) {
        const bad = await truc(...argv);
        expect(bad.code, argv.join(' ')).toBe(2);
        expectBilingual(bad.stderr.split('\n')[0]!);
      }
    });
  });

  // pullyear25 (issue 7 item 6): a run says why it is full and what it waits on, in both languages.
  it('sync list | show: a first run full for lack of a watermark, waiting on an open circuit', async () => {
    const db = h.env.deps.db;
    const id = await createSyncRunsRepo(db).create({
      system: 'vnedu',
      entity: 'classes',
      scope: '',
      since: null,
      requestedBy: 'x',
      fullBecause: 'no_watermark',
    });
    const gates = createDeliveryGatesRepo(db);
    await gates.update('vnedu', () => ({
      change: {
        circuit: 'open',
        pauseReason: 'circuit-open',
        pausedUntil: new Date(Date.now() + 600_000),
        openedAt: new Date(Date.now() - 60_000),
      },
      result: undefined,
    }));
    try {
      const list = await truc('sync', 'list', '--system', 'vnedu');
      expect(list.code, list.stderr).toBe(0);
      expectBilingual(list.stdout);
      expect(list.stdout).toContain(
        `lượt ${id} vnedu lớp (tất cả, kéo toàn bộ vì chưa có mốc đồng bộ) đang chờ (chờ vnedu: cầu dao mở từ `,
      );
      expect(list.stdout).toMatch(
        new RegExp(
          `run ${id} vnedu classes \\(all, full for lack of a watermark\\) queued \\(waiting on vnedu: circuit open since .*, next probe at .*\\), created `,
        ),
      );
      const show = await truc('sync', 'show', String(id));
      expectBilingual(show.stdout);
      expect(show.stdout).toContain(`sync run ${id}: vnedu classes, all, full for lack of a watermark\n`);
      expect(show.stdout).toMatch(/\/ waiting on vnedu: circuit open since .*, next probe at .*\n/);
    } finally {
      await gates.update('vnedu', () => ({
        change: { circuit: 'closed', pauseReason: null, pausedUntil: null },
        result: undefined,
      }));
    }
  });

  describe('truc schedules', () => {
    it('list: each schedule with its last and next run, as GET /v1/schedules reads them', async () => {
      const scheduler = startScheduler({ ...h.env.deps, config });
      try {
        await scheduler.sync();
      } finally {
        await scheduler.stop();
      }
      const queue = h.env.deps.queues.queue(fireSchedule.queue);
      const expected = await listSchedules(h.env.deps.db, config, queue);
      expect(expected.every((s) => s.nextRunAt !== null)).toBe(true);
      const json = await truc('schedules', 'list', '--json');
      expect(json.code, json.stderr).toBe(0);
      expect(jsonLines(json.stdout)).toEqual(expected);
      const e = await truc('schedules', 'list');
      expectBilingual(e.stdout);
      const next = expected[0]!.nextRunAt!;
      const local = `${new Date(Date.parse(next) + 7 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')} (+07)`;
      expect(e.stdout).toContain(
        `smas-students-nightly: smas students, cron 0 2 * * * (Asia/Ho_Chi_Minh); never run; next ${local}\n`,
      );
      expect(e.stdout).toContain(
        'hcm-csdl-students-weekly-full: hcm-csdl students, cron 0 3 * * 0 (Asia/Ho_Chi_Minh), full;',
      );
    });

    it('pause, resume and run now: audited as the operator (TRUC_OPERATOR, or --as); the list shows the pause and the last run', async () => {
      const paused = await truc('schedules', 'pause', 'smas-students-nightly');
      expect(paused.code, paused.stderr).toBe(0);
      expect(paused.stdout).toBe(
        'đã tạm dừng lịch smas-students-nightly: các lần kích hoạt không yêu cầu gì cho đến khi tiếp tục / ' +
          'schedule smas-students-nightly paused: its fires request nothing until it is resumed\n',
      );
      const run = await truc('schedules', 'run', 'smas-students-nightly', '--json', '--as', 'it.dept-2@so');
      expect(run.code, run.stderr).toBe(0);
      const { syncRunId } = JSON.parse(run.stdout) as { syncRunId: number };
      const list = await truc('schedules', 'list');
      expect(list.stdout).toMatch(
        new RegExp(
          `/ smas-students-nightly: .*; paused by operator:cli:admin.q1; last .* manual, sync run ${syncRunId}; next: none \\(paused\\)\\n`,
        ),
      );
      const resumed = await truc('schedules', 'resume', 'smas-students-nightly');
      expect(resumed.stdout).toBe(
        'đã tiếp tục lịch smas-students-nightly / schedule smas-students-nightly resumed\n',
      );
      const audit = await h.env.deps.db.query<{ action: string; actor: string }>(
        `SELECT action, actor FROM truc.audit_log WHERE subject = 'schedule:smas-students-nightly' ORDER BY seq`,
      );
      expect(audit.rows).toEqual([
        { action: 'schedule.paused', actor: 'operator:cli:admin.q1' },
        { action: 'schedule.run', actor: 'operator:cli:it.dept-2@so' },
        { action: 'schedule.resumed', actor: 'operator:cli:admin.q1' },
      ]);
      const requested = await h.env.deps.db.query<{ requested_by: string }>(
        'SELECT requested_by FROM truc.sync_runs WHERE id = $1',
        [syncRunId],
      );
      expect(requested.rows[0]!.requested_by).toBe('operator:cli:it.dept-2@so');
    });

    it('an empty or hostile operator name is refused (exit 2, one bilingual line), and nothing changes', async () => {
      const audited = async () =>
        Number(
          (await h.env.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.audit_log')).rows[0]!
            .n,
        );
      const before = await audited();
      for (const as of [
        '',
        ' ',
        'x y',
        'operator:cli',
        '../root',
        'a\u001b[2Jb',
        'x'.repeat(65),
        '-dash',
        'ngườiA',
      ]) {
        const e = await truc('schedules', 'pause', 'smas-students-nightly', `--as=${as}`);
        expect({ code: e.code, stdout: e.stdout }, as).toEqual({ code: 2, stdout: '' });
        const first = e.stderr.split('\n')[0]!;
        expect(first, as).toContain("an operator's name: 1 to 64 of A-Z, a-z, 0-9, . _ @ -");
        expect(first).not.toContain('\u001b');
        expectBilingual(first);
      }
      vi.stubEnv('TRUC_OPERATOR', 'bad name');
      try {
        const e = await truc('holds', 'approve', String(holdId));
        expect(e).toMatchObject({ code: 2, stdout: '' });
        expect(e.stderr.split('\n')[0]).toBe(
          'truc: TRUC_OPERATOR "bad name" không dùng được: tên người thao tác: 1 đến 64 ký tự A-Z, a-z, 0-9, . _ @ -, bắt đầu bằng chữ hoặc số' +
            ' / TRUC_OPERATOR "bad name" is not usable: an operator\'s name: 1 to 64 of A-Z, a-z, 0-9, . _ @ -, starting with a letter or digit',
        );
        vi.stubEnv('TRUC_OPERATOR', '');
        expect((await truc('dead-letters', 'replay', '--all')).code).toBe(2);
      } finally {
        vi.stubEnv('TRUC_OPERATOR', 'admin.q1');
      }
      expect(await audited()).toBe(before);
      expect((await createGuardHoldsRepo(h.env.deps.db).get(holdId))?.status).toBe('held');
    });

    /**
     * Plays the worker for the next run requested after `after`: a first page, then `end` ends it, while
     * `truc schedules run --follow` watches (the worker's own store calls: recordPage, claimReconcile, …).
     */
    // How long the played worker holds each state of a run: the follower polls every 50 ms; under the suite's load a
    // poll can take longer than the 150 ms held until stop 48, and a state would be missed.
    const HOLD_MS = 500;
    const playWorker = async (after: number, end: (id: number) => Promise<void>) => {
      const db = h.env.deps.db;
      const runs = createSyncRunsRepo(db);
      let id: number | undefined;
      for (let i = 0; i < 400 && id === undefined; i++) {
        const r = await db.query<{ id: number }>('SELECT id FROM truc.sync_runs WHERE id > $1', [after]);
        id = r.rows[0] ? Number(r.rows[0].id) : undefined;
        if (id === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      if (id === undefined) throw new Error('no run requested');
      await new Promise((r) => setTimeout(r, HOLD_MS));
      await runs.recordPage(id, { last: false, cursor: 'c1', records: 30, tombstones: 0, watermark: null });
      await new Promise((r) => setTimeout(r, HOLD_MS));
      await end(id);
      return id;
    };
    const lastRun = async () =>
      Number(
        (await h.env.deps.db.query<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM truc.sync_runs'))
          .rows[0]!.id,
      );
    const follow = (id: string) =>
      truc('schedules', 'run', id, '--follow', '--interval-ms', '50', '--timeout', '60');

    it('run --follow: the status and counts on stderr until the run ends, the finished run on stdout; exit 0 when done', async () => {
      const db = h.env.deps.db;
      const runs = createSyncRunsRepo(db);
      const worker = playWorker(await lastRun(), async (id) => {
        await runs.recordPage(id, { last: true, cursor: null, records: 20, tombstones: 1, watermark: 'w1' });
        // a first sync is full: it ends once its reconciliation has
        await new Promise((r) => setTimeout(r, HOLD_MS));
        expect(await runs.claimReconcile(id)).toBe(true);
        await new Promise((r) => setTimeout(r, HOLD_MS));
        await runs.finishReconcile(id, 0);
      });
      const e = await follow('hcm-csdl-students-weekly-full');
      const id = await worker;
      expect(e.code, e.stderr).toBe(0);
      const [first, finished, ...more] = e.stdout.trim().split('\n');
      expect(more).toEqual([]);
      expect(first).toBe(
        `đã chạy lịch hcm-csdl-students-weekly-full ngay: lượt đồng bộ ${id} (truc sync show ${id}) / ` +
          `schedule hcm-csdl-students-weekly-full run now: sync run ${id} (truc sync show ${id})`,
      );
      expect(JSON.parse(finished!)).toMatchObject({
        syncRunId: id,
        status: 'done',
        records: 50,
        tombstones: 1,
      });
      const lines = e.stderr.trim().split('\n');
      expect(lines.slice(0, -1)).toEqual([
        `lượt đồng bộ ${id}: đang chờ; 0 trang, 0 bản ghi, 0 bản ghi xoá / sync run ${id}: queued; 0 pages, 0 records, 0 tombstones`,
        `lượt đồng bộ ${id}: đang chạy; 1 trang, 30 bản ghi, 0 bản ghi xoá / sync run ${id}: running; 1 page, 30 records, 0 tombstones`,
        `lượt đồng bộ ${id}: xong; 2 trang, 50 bản ghi, 1 bản ghi xoá / sync run ${id}: done; 2 pages, 50 records, 1 tombstone`,
        `lượt đồng bộ ${id}: xong, đối soát đang chờ; 2 trang, 50 bản ghi, 1 bản ghi xoá / sync run ${id}: done, reconciliation queued; 2 pages, 50 records, 1 tombstone`,
        `lượt đồng bộ ${id}: xong, đối soát xong; 2 trang, 50 bản ghi, 1 bản ghi xoá / sync run ${id}: done, reconciliation done; 2 pages, 50 records, 1 tombstone`,
      ]);
      expect(lines.at(-1)).toMatch(
        new RegExp(
          `^lượt đồng bộ ${id} hcm-csdl học sinh: 50 bản ghi trong \\d+s \\([\\d.]+/s\\); xong / ` +
            `sync ${id} hcm-csdl students: 50 records in \\d+s \\([\\d,]+/s\\); done$`,
        ),
      );
    });

    it('run --follow: exit 1 when the run fails (its code), 3 when the mass-change guard holds it', async () => {
      const db = h.env.deps.db;
      const runs = createSyncRunsRepo(db);
      const failing = playWorker(await lastRun(), (id) => runs.fail(id, 'ERR_ADAPTER_UNAVAILABLE'));
      const failed = await follow('smas-students-nightly');
      const failedId = await failing;
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stderr).toContain(`sync run ${failedId}: failed; 1 page, 30 records, 0 tombstones\n`);
      expect(failed.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^lượt đồng bộ ${failedId} smas học sinh: 30 bản ghi .*; thất bại: ERR_ADAPTER_UNAVAILABLE / ` +
            `sync ${failedId} smas students: 30 records .*; failed: ERR_ADAPTER_UNAVAILABLE$`,
        ),
      );
      expect(JSON.parse(failed.stdout.trim().split('\n')[1]!)).toMatchObject({
        syncRunId: failedId,
        status: 'failed',
        errorCode: 'ERR_ADAPTER_UNAVAILABLE',
      });
      let held = 0;
      // The run held and its hold made in one transaction, as the worker does (src/jobs/run-guard.ts): in two,
      // a poll between them saw the run held without its hold (a flake under load, stop 50).
      const holding = playWorker(await lastRun(), (id) =>
        db.tx(async (q) => {
          expect(await createRunGuardRepo(q).hold(id)).toBe(true);
          held = await createGuardHoldsRepo(q).create({
            kind: 'run',
            syncRunId: id,
            entity: 'students',
            diff: [],
            reasons: [],
          });
        }),
      );
      const e = await follow('smas-students-nightly');
      const heldId = await holding;
      expect(e.code, e.stderr).toBe(3);
      expect(e.stderr).toContain(`/ sync run ${heldId} is held by the mass-change guard (hold ${held}, run)`);
      expectBilingual(e.stderr); // the progress lines too (cli27: they were English only)
    });

    it('an unknown schedule: ERR_NOT_FOUND in both languages, exit 1', async () => {
      const e = await truc('schedules', 'run', 'no-such-schedule');
      expect(e.code).toBe(1);
      expect(e.stderr).toBe(
        'truc: ERR_NOT_FOUND: Không tìm thấy tài nguyên. / The resource was not found.: không có lịch no-such-schedule / no schedule no-such-schedule\n',
      );
    });
  });

  describe('truc holds', () => {
    it('list and show: counts and record codes, bilingual; --json as the store holds it', async () => {
      const list = await truc('holds', 'list', '--status', 'held');
      expect(list.code, list.stderr).toBe(0);
      expectBilingual(list.stdout);
      expect(list.stdout).toContain(
        `  lệnh giữ ${holdId} (trang dữ liệu, lượt đồng bộ ${heldRun}) đang giữ chờ duyệt, tạo `,
      );
      expect(list.stdout).toContain(`1 school, 100 live students, 40 deleted, 2 moved, 5 changed\n`);
      const show = await truc('holds', 'show', String(holdId));
      expect(show.code, show.stderr).toBe(0);
      expectBilingual(show.stdout);
      expect(show.stdout).toContain('/ school 79000001: deleted 40 of 100 live (40 %, threshold 20 %)\n');
      expect(show.stdout).toContain('/ school 79000001: 100 live, 40 deleted, 2 moved, 5 changed\n');
      expect(show.stdout).toContain('HS000, HS001,');
      expect(show.stdout).toContain('HS019 and 20 more (--json: all)\n');
      expect(show.stdout).not.toContain('HS020');
      expect(show.stdout).toContain('/ moved: HS900, HS901\n');
      expect(show.stdout).toContain(
        `/ approve: truc holds approve ${holdId} (the run goes on from the held page)\n`,
      );
      const json = JSON.parse((await truc('holds', 'show', String(holdId), '--json')).stdout) as {
        diff: Array<{ keys: { deleted: string[] } }>;
      };
      expect(json.diff[0]!.keys.deleted).toHaveLength(40);
      const api = (await h.get(`/v1/guard/holds/${holdId}`, h.tokens.admin)).json();
      expect(json).toEqual(api);
    });

    it('reject --reason: the run fails, the decision is audited with the reason; twice is ERR_GUARD_NOT_HELD', async () => {
      const e = await truc(
        'holds',
        'reject',
        String(holdId),
        '--reason',
        'danh sách trường sai / wrong list',
        '--as',
        'tran.b',
      );
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toBe(
        `đã từ chối lệnh giữ ${holdId} (trang dữ liệu, lượt đồng bộ ${heldRun}): lượt đồng bộ thất bại, ERR_GUARD_REJECTED / ` +
          `hold ${holdId} rejected (run, sync run ${heldRun}): the run fails, ERR_GUARD_REJECTED\n`,
      );
      const run = await h.env.deps.db.query<{ status: string; error_code: string }>(
        'SELECT status, error_code FROM truc.sync_runs WHERE id = $1',
        [heldRun],
      );
      expect(run.rows[0]).toEqual({ status: 'failed', error_code: 'ERR_GUARD_REJECTED' });
      const audit = await h.env.deps.db.query<{ actor: string; details: Record<string, unknown> }>(
        `SELECT actor, details FROM truc.audit_log WHERE action = 'guard.rejected' AND subject = $1`,
        [`guard-hold:${holdId}`],
      );
      expect(audit.rows).toEqual([
        {
          actor: 'operator:cli:tran.b',
          details: expect.objectContaining({ kind: 'run', reason: 'danh sách trường sai / wrong list' }),
        },
      ]);
      const again = await truc('holds', 'approve', String(holdId));
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^truc: ERR_GUARD_NOT_HELD: .+ \/ .+\n$/);
      const missing = await truc('holds', 'show', '999999');
      expect(missing).toMatchObject({ code: 1, stdout: '' });
      expect(missing.stderr).toContain('ERR_NOT_FOUND');
    });

    it('approve: a held run goes on from its held page (audited as the operator)', async () => {
      const db = h.env.deps.db;
      const { run, holdId: id } = await heldRunPage(db, { system: 'vnedu', reasons: [] });
      const e = await truc('holds', 'approve', String(id));
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toContain(
        `/ hold ${id} approved (run, sync run ${run}): the run goes on from the held page\n`,
      );
      const after = await db.query<{ status: string }>('SELECT status FROM truc.sync_runs WHERE id = $1', [
        run,
      ]);
      expect(after.rows[0]!.status).not.toBe('held');
      const hold = await createGuardHoldsRepo(db).get(id);
      expect(hold).toMatchObject({ status: 'approved', decidedBy: 'operator:cli:admin.q1' });
      const audit = await db.query<{ actor: string }>(
        `SELECT actor FROM truc.audit_log WHERE action = 'guard.approved' AND subject = $1`,
        [`guard-hold:${id}`],
      );
      expect(audit.rows).toEqual([{ actor: 'operator:cli:admin.q1' }]);
    });
  });
});
