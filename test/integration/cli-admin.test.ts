/**
 * What the city's IT admin does from the command line instead of curl (tidy23): `truc sync list|show`,
 * `truc holds list|show|approve|reject` (`truc schedules …`: cli-schedules.test.ts), run in process (`runCli`)
 * against a real PostgreSQL and Redis, beside the API on the same database (the seeded world:
 * test/helpers/cli-admin-world.ts): each `--json` answer is the API's, each human line is Vietnamese then English,
 * each decision is audited as `operator:cli:<the operator>` (`--as`, TRUC_OPERATOR, else the OS user), and an
 * error (an unknown id, a hold decided already) is one bilingual line with its code and a non-zero exit.
 */
import { describe, expect, it } from 'vitest';
import { createDeliveryGatesRepo } from '../../src/store/delivery-gates.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { expectBilingual, jsonLines, useCliAdminWorld } from '../helpers/cli-admin-world.js';
import { heldRunPage } from '../helpers/held-run.js';
import { truc } from '../helpers/cli-in-process.js';
import { vietnamDay } from '../helpers/vietnam-day.js';

describe('truc sync, schedules and holds for the city admin (postgres+redis)', () => {
  const { h, w } = useCliAdminWorld();

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
        new RegExp(`^  lượt ${w.heldRun} smas học sinh \\(tất cả\\) bị giữ chờ duyệt, tạo [^,]* bởi x, `),
      );
      expect(lines[2]).toMatch(
        new RegExp(
          `^  lượt ${w.failedRun} smas cán bộ, giáo viên \\(tất cả\\) thất bại, .*, lỗi ERR_ADAPTER_UNAVAILABLE / run `,
        ),
      );
      const done = await truc('sync', 'list', '--status', 'done', '--entity', 'students');
      expect(done.stdout).toContain(`run ${w.doneRun} hcm-csdl students (all, full) done, created `);
      expect(done.stdout).toContain('11 records, 5 accepted, 1 rejected, 5 unchanged');
      // The day in Vietnam the first of them was made (not a later "now": the next day after 17:00 UTC).
      const made = jsonLines((await truc('sync', 'list', '--json')).stdout).map((r) =>
        Date.parse(String(r.createdAt)),
      );
      const today = vietnamDay(Math.min(...made));
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
      const e = await truc('sync', 'show', String(w.doneRun));
      expect(e.code, e.stderr).toBe(0);
      expectBilingual(e.stdout);
      expect(e.stdout).toContain(`sync run ${w.doneRun}: hcm-csdl students, all, full\n`);
      expect(e.stdout).toContain('/ mapping version: hcm-csdl/students@1\n');
      expect(e.stdout).toContain(
        '/ 11 records in 1 page, 0 tombstones; accepted 5, rejected 1, unchanged 5\n',
      );
      expect(e.stdout).toContain(
        '/ errors: no code; 0 of 2 batches failed, 1 record rejected, 0 open dead letters\n',
      );
      expect(e.stdout).toMatch(/status: done, created .* by x, finished .*, [\d.]+ s\n/);
      // walk8 W8-3: the batch that rejected the record, and where to read why.
      expect(e.stdout).toMatch(
        /\n {2}lô ([0-9a-f-]{36}): 1 bản ghi bị từ chối, lý do: GET \/v1\/batches\/\1\/findings\?severity=error \/ batch \1: 1 record rejected, why: GET \/v1\/batches\/\1\/findings\?severity=error\n/,
      );
      const failed = await truc('sync', 'show', String(w.failedRun));
      expect(failed.stdout).toContain('errors: ERR_ADAPTER_UNAVAILABLE; 0 of 0 batches failed');
      expect(failed.stdout).toContain('mapping version: none');
      const held = await truc('sync', 'show', String(w.heldRun));
      expect(held.stdout).toContain(
        `held by the mass-change guard: hold ${w.holdId} (truc holds show ${w.holdId})`,
      );
      const json = await truc('sync', 'show', String(w.doneRun), '--json');
      expect(JSON.parse(json.stdout)).toMatchObject({
        syncRunId: w.doneRun,
        counts: { accepted: 5 },
        rejectedBatches: [{ rejected: 1 }],
      });
    });

    it('an unknown run is one bilingual line with its code, exit 1; a bad id or filter is exit 2', async () => {
      const e = await truc('sync', 'show', '999999');
      expect(e).toMatchObject({ code: 1, stdout: '' });
      expect(e.stderr).toBe(
        'truc: ERR_NOT_FOUND: Không tìm thấy tài nguyên: không có lượt đồng bộ 999999 / The resource was not found: no sync run 999999\n',
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

  describe('truc holds', () => {
    it('list and show: counts and record codes, bilingual; --json as the store holds it', async () => {
      const list = await truc('holds', 'list', '--status', 'held');
      expect(list.code, list.stderr).toBe(0);
      expectBilingual(list.stdout);
      expect(list.stdout).toContain(
        `  lệnh giữ ${w.holdId} (trang dữ liệu, lượt đồng bộ ${w.heldRun}) đang giữ chờ duyệt, tạo `,
      );
      expect(list.stdout).toContain(`1 school, 100 live students, 40 deleted, 2 moved, 5 changed\n`);
      const show = await truc('holds', 'show', String(w.holdId));
      expect(show.code, show.stderr).toBe(0);
      expectBilingual(show.stdout);
      expect(show.stdout).toContain('/ school 79000001: deleted 40 of 100 live (40 %, threshold 20 %)\n');
      expect(show.stdout).toContain('/ school 79000001: 100 live, 40 deleted, 2 moved, 5 changed\n');
      expect(show.stdout).toContain('HS000, HS001,');
      expect(show.stdout).toContain('HS019 and 20 more (--json: all)\n');
      expect(show.stdout).not.toContain('HS020');
      expect(show.stdout).toContain('/ moved: HS900, HS901\n');
      expect(show.stdout).toContain(
        `/ approve: truc holds approve ${w.holdId} (the run goes on from the held page)\n`,
      );
      const json = JSON.parse((await truc('holds', 'show', String(w.holdId), '--json')).stdout) as {
        diff: Array<{ keys: { deleted: string[] } }>;
      };
      expect(json.diff[0]!.keys.deleted).toHaveLength(40);
      const api = (await h.get(`/v1/guard/holds/${w.holdId}`, h.tokens.admin)).json();
      expect(json).toEqual(api);
    });

    it('reject --reason: the run fails, the decision is audited with the reason; twice is ERR_GUARD_NOT_HELD', async () => {
      const e = await truc(
        'holds',
        'reject',
        String(w.holdId),
        '--reason',
        'danh sách trường sai / wrong list',
        '--as',
        'tran.b',
      );
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toBe(
        `đã từ chối lệnh giữ ${w.holdId} (trang dữ liệu, lượt đồng bộ ${w.heldRun}): lượt đồng bộ thất bại, ERR_GUARD_REJECTED / ` +
          `hold ${w.holdId} rejected (run, sync run ${w.heldRun}): the run fails, ERR_GUARD_REJECTED\n`,
      );
      const run = await h.env.deps.db.query<{ status: string; error_code: string }>(
        'SELECT status, error_code FROM truc.sync_runs WHERE id = $1',
        [w.heldRun],
      );
      expect(run.rows[0]).toEqual({ status: 'failed', error_code: 'ERR_GUARD_REJECTED' });
      const audit = await h.env.deps.db.query<{ actor: string; details: Record<string, unknown> }>(
        `SELECT actor, details FROM truc.audit_log WHERE action = 'guard.rejected' AND subject = $1`,
        [`guard-hold:${w.holdId}`],
      );
      expect(audit.rows).toEqual([
        {
          actor: 'operator:cli:tran.b',
          details: expect.objectContaining({ kind: 'run', reason: 'danh sách trường sai / wrong list' }),
        },
      ]);
      const again = await truc('holds', 'approve', String(w.holdId));
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
      expect(hold).toMatchObject({
        status: 'approved',
        decidedBy: 'admin.q1',
        decidedById: 'operator:cli:admin.q1',
      });
      const audit = await db.query<{ actor: string }>(
        `SELECT actor FROM truc.audit_log WHERE action = 'guard.approved' AND subject = $1`,
        [`guard-hold:${id}`],
      );
      expect(audit.rows).toEqual([{ actor: 'operator:cli:admin.q1' }]);
    });
  });
});
