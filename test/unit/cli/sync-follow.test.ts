/**
 * `truc sync run --follow` on a run the mass-change guard holds (review15 N2): it waited silently until
 * its timeout. Now it stops at once, says the run is held with the hold's counts and how a city admin
 * approves or rejects it, and exits 3 (distinct from done 0, failed 1, bad usage 2).
 * Its messages are in Vietnamese and English, Vietnamese first (CONVENTIONS decision 8; tidy19 item 2: they
 * were English only).
 */
import { describe, expect, it } from 'vitest';
import { followRun } from '../../../src/cli/commands/sync-follow.js';
import type { CliOutput } from '../../../src/cli/kit.js';
import { requestSync } from '../../../src/jobs/requests.js';
import { CITY_SCHOOLS, createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRunGuardRepo } from '../../../src/store/run-guard.js';
import { useMemoryDb } from '../../helpers/memory-db.js';

function capture() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out: CliOutput = { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) };
  return { out, stdout, stderr };
}

/** As {@link capture}; at each stderr line holding one of `steps`' texts, that step taken (`settled`: all taken done). */
function captureWithSteps(steps: Record<string, () => Promise<unknown>>) {
  const c = capture();
  const taken: Array<Promise<unknown>> = [];
  const out: CliOutput = {
    stdout: (s) => c.out.stdout(s),
    stderr: (s) => {
      c.out.stderr(s);
      for (const [text, step] of Object.entries(steps)) if (s.includes(text)) taken.push(step());
    },
  };
  return { ...c, out, settled: () => Promise.all(taken) };
}

describe('sync run --follow on a held run', () => {
  const db = useMemoryDb();

  const newRun = () =>
    db.tx((q) =>
      requestSync(q, { system: 'smas', entity: 'students', requestedBy: 'operator:cli', at: new Date() }),
    );

  /**
   * Follows smas students run `id` (a day's timeout: without the held stop a test would wait it out): it exits 3, says
   * the run held on stdout and on its status line; its stderr.
   */
  const followHeld = async (id: number): Promise<string> => {
    const c = capture();
    expect(await followRun(db, id, { intervalMs: 50, timeout: 86_400 }, c.out)).toBe(3);
    expect(JSON.parse(c.stdout.join(''))).toMatchObject({ syncRunId: id, status: 'held' });
    const err = c.stderr.join('');
    expect(err).toMatch(
      new RegExp(
        `^lượt đồng bộ ${id} smas học sinh: .*; bị bộ chặn thay đổi hàng loạt giữ lại / ` +
          `sync ${id} smas students: .*; held by the mass-change guard$`,
        'm',
      ),
    );
    return err;
  };

  it('stops at once, prints the hold (counts, thresholds, approve/reject) and exits 3', async () => {
    const id = await newRun();
    expect(await createRunGuardRepo(db).hold(id)).toBe(true);
    const holds = createGuardHoldsRepo(db);
    const holdId = await holds.create({
      kind: 'run',
      syncRunId: id,
      entity: 'students',
      diff: [
        {
          school: '79000001',
          live: 100,
          deleted: 40,
          moved: 2,
          changed: 5,
          keys: { deleted: [], moved: [], changed: [] },
        },
      ],
      reasons: [{ school: '79000001', kind: 'deleted', count: 40, live: 100, ratio: 0.4, threshold: 0.2 }],
    });
    const err = await followHeld(id);
    expect(err).toContain(
      `truc: lượt đồng bộ ${id} bị bộ chặn thay đổi hàng loạt giữ lại (lệnh giữ ${holdId}, trang dữ liệu): 1 trường, 100 học sinh còn hiệu lực, 40 xoá, 2 chuyển đi, 5 thay đổi` +
        ` / sync run ${id} is held by the mass-change guard (hold ${holdId}, run): 1 school, 100 live students, 40 deleted, 2 moved, 5 changed\n`,
    );
    expect(err).toContain(
      '  trường 79000001: xoá hoặc chuyển đi 40 trên 100 còn hiệu lực (40 %, ngưỡng 20 %) / school 79000001: deleted 40 of 100 live (40 %, threshold 20 %)\n',
    );
    expect(err).toContain(
      `  quản trị Sở quyết định (quyền guard): POST /v1/guard/holds/${holdId}/approve (lượt đồng bộ tiếp tục từ trang bị giữ)` +
        ` / a city admin decides (scope guard): POST /v1/guard/holds/${holdId}/approve (the run goes on from the held page)\n`,
    );
    expect(err).toContain(`POST /v1/guard/holds/${holdId}/reject`);
    // Every line of it in both languages, Vietnamese first.
    for (const line of err.trim().split('\n')) {
      const [vi, ...en] = line.split(' / ');
      expect({ vi: /[^ -~]/.test(vi!), en: en.length > 0 }, line).toEqual({ vi: true, en: true });
    }
  });

  /** A full run whose pages are all done, its reconciliation as given (the pull job's last page sets both). */
  const doneFullRun = async (reconcile: 'queued' | 'held' | 'done' | null) => {
    const id = await db.tx((q) =>
      requestSync(q, {
        system: 'smas',
        entity: 'students',
        full: true,
        requestedBy: 'operator:cli',
        at: new Date(),
      }),
    );
    await db.query(
      `UPDATE truc.sync_runs SET status = 'done', finished_at = now(), reconcile = $2 WHERE id = $1`,
      [id, reconcile],
    );
    return id;
  };

  it("a held schools run (guard22): names the city's schools, not a school '*', nor 1 school", async () => {
    const id = await db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'schools', requestedBy: 'operator:cli', at: new Date() }),
    );
    expect(await createRunGuardRepo(db).hold(id)).toBe(true);
    const holdId = await createGuardHoldsRepo(db).create({
      kind: 'run',
      syncRunId: id,
      entity: 'schools',
      diff: [
        {
          school: CITY_SCHOOLS,
          live: 40,
          deleted: 20,
          moved: 0,
          changed: 0,
          keys: { deleted: [], moved: [], changed: [] },
        },
      ],
      reasons: [{ school: CITY_SCHOOLS, kind: 'deleted', count: 20, live: 40, ratio: 0.5, threshold: 0.3 }],
    });
    const c = capture();
    expect(await followRun(db, id, { intervalMs: 50, timeout: 86_400 }, c.out)).toBe(3);
    const err = c.stderr.join('');
    expect(err).toContain(
      `(lệnh giữ ${holdId}, trang dữ liệu): 40 trường còn hiệu lực, 20 xoá, 0 chuyển đi, 0 thay đổi` +
        ` / sync run ${id} is held by the mass-change guard (hold ${holdId}, run): 40 live schools, 20 deleted, 0 moved, 0 changed\n`,
    );
    expect(err).toContain(
      "  các trường của thành phố: xoá hoặc chuyển đi 20 trên 40 còn hiệu lực (50 %, ngưỡng 30 %) / the city's schools: deleted 20 of 40 live (50 %, threshold 30 %)\n",
    );
  });

  it('a full run whose reconciliation is held: says so (hold, approve/reject) and exits 3, as a held page', async () => {
    const id = await doneFullRun('queued');
    const holdId = await createGuardHoldsRepo(db).create({
      kind: 'reconcile',
      syncRunId: id,
      entity: 'students',
      diff: [
        {
          school: '79000002',
          live: 50,
          deleted: 30,
          moved: 0,
          changed: 0,
          keys: { deleted: [], moved: [], changed: [] },
        },
      ],
      reasons: [{ school: '79000002', kind: 'deleted', count: 30, live: 50, ratio: 0.6, threshold: 0.2 }],
    });
    // The reconcile job holds it a moment after the run is done: --follow waits for that decision.
    const holding = new Promise((r) => setTimeout(r, 300)).then(() =>
      db.query(`UPDATE truc.sync_runs SET reconcile = 'held' WHERE id = $1`, [id]),
    );
    // Its status held as the API says it (pullyear25: was 'done', its reconciliation held).
    const err = await followHeld(id);
    await holding;
    expect(err).toContain(
      `truc: bước đối soát của lượt đồng bộ ${id} bị bộ chặn thay đổi hàng loạt giữ lại (lệnh giữ ${holdId}, bước đối soát): 1 trường, 50 học sinh còn hiệu lực, 30 xoá`,
    );
    expect(err).toContain(
      ` / sync run ${id}'s reconciliation is held by the mass-change guard (hold ${holdId}, reconcile): 1 school, 50 live students, 30 deleted`,
    );
    expect(err).toContain(
      `POST /v1/guard/holds/${holdId}/approve (các bản ghi lượt đồng bộ không thấy bị xoá) / a city admin decides (scope guard): ` +
        `POST /v1/guard/holds/${holdId}/approve (the records the run did not see are deleted)`,
    );
    expect(err).toContain(
      `POST /v1/guard/holds/${holdId}/reject (không xoá gì, lượt đồng bộ vẫn xong); trên bảng điều khiển: /dashboard#/guard/${holdId}` +
        ` / or POST /v1/guard/holds/${holdId}/reject (nothing is deleted, the run stays done)`,
    );
  });

  it('a full run exits 0 once its reconciliation is done, or when a failed batch keeps it from reconciling', async () => {
    const reconciled = await doneFullRun('done');
    const c = capture();
    expect(await followRun(db, reconciled, { intervalMs: 50, timeout: 86_400 }, c.out)).toBe(0);
    expect(c.stderr.join('')).toMatch(
      new RegExp(
        `^lượt đồng bộ ${reconciled}: xong, đối soát xong; 0 trang, 0 bản ghi, 0 bản ghi xoá / ` +
          `sync run ${reconciled}: done, reconciliation done; 0 pages, 0 records, 0 tombstones\n` +
          `lượt đồng bộ ${reconciled} smas học sinh: .*; xong / sync ${reconciled} smas students: .*; done\n$`,
      ),
    );
    const failedPage = await doneFullRun(null);
    await db.query(
      `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, sync_run_id)
       VALUES (gen_random_uuid(), 'system:smas', '79000003', 'students', 'smas', 'failed', '[]', 0, $1)`,
      [failedPage],
    );
    expect(await followRun(db, failedPage, { intervalMs: 50, timeout: 86_400 }, capture().out)).toBe(0);
  });

  /** A vnedu students run asked for, vnedu's circuit open for an hour: the run waits on its system. */
  async function runWaitingOnVnedu(): Promise<number> {
    const id = await db.tx((q) =>
      requestSync(q, { system: 'vnedu', entity: 'students', requestedBy: 'operator:cli', at: new Date() }),
    );
    await db.query(
      `INSERT INTO truc.delivery_gates (system, paused_until, pause_reason, circuit, opened_at)
       VALUES ('vnedu', now() + interval '1 hour', 'circuit-open', 'open', now())
       ON CONFLICT (system) DO UPDATE SET paused_until = EXCLUDED.paused_until,
         pause_reason = EXCLUDED.pause_reason, circuit = 'open', opened_at = EXCLUDED.opened_at`,
    );
    return id;
  }

  // fixes26a: GET /v1/syncs/{id} says what a run waits on (pullyear25's `waiting`); --follow showed it queued, not why.
  it('says when the run starts waiting on its system (circuit open, next probe) and when it stops', async () => {
    const id = await runWaitingOnVnedu();
    // The system answers again once the line is out; the run then fails (its own end, exit 1).
    const c = captureWithSteps({
      'waiting on vnedu: circuit open': () =>
        db.query(
          `UPDATE truc.delivery_gates SET paused_until = NULL, pause_reason = NULL, circuit = 'closed'
            WHERE system = 'vnedu'`,
        ),
      'no longer waiting on vnedu': () =>
        db.query(
          `UPDATE truc.sync_runs SET status = 'failed', error_code = 'ERR_ADAPTER_UNAVAILABLE', finished_at = now()
            WHERE id = $1`,
          [id],
        ),
    });
    expect(await followRun(db, id, { intervalMs: 20, timeout: 86_400 }, c.out)).toBe(1);
    await c.settled();
    const lines = c.stderr.join('').trim().split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const waiting = at(
      new RegExp(
        `^lượt đồng bộ ${id}: chờ vnedu: cầu dao mở từ .+, thử lại lúc .+ / ` +
          `sync run ${id}: waiting on vnedu: circuit open since .+, next probe at .+ \\(\\+07\\)$`,
      ),
    );
    const over = at(
      new RegExp(`^lượt đồng bộ ${id}: hết chờ vnedu / sync run ${id}: no longer waiting on vnedu$`),
    );
    // walk7 W7-9: right after the first waiting line, once, that Ctrl+C leaves the run to the workers.
    const followOnly = at(
      /^Ctrl\+C chỉ dừng việc theo dõi; .+ \/ Ctrl\+C stops following only; the run goes on/,
    );
    expect({ waiting, followOnly, over }, lines.join('\n')).toEqual({ waiting: 1, followOnly: 2, over: 3 });
    expect(lines.filter((l) => l.includes('Ctrl+C'))).toHaveLength(1);
    // Printed once each, not at every poll.
    expect(lines.filter((l) => l.includes('waiting on vnedu'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/thất bại: ERR_ADAPTER_UNAVAILABLE \/ .*; failed: ERR_ADAPTER_UNAVAILABLE$/);
  });

  // walk2 F4: after the waiting line, the periodic progress line said `0 records 0/s` for the whole wait.
  it('its periodic progress line carries the waiting while it lasts', async () => {
    const id = await runWaitingOnVnedu();
    const c = captureWithSteps({
      '0 records, waiting on vnedu until': () =>
        db.query(`UPDATE truc.sync_runs SET status = 'failed', finished_at = now() WHERE id = $1`, [id]),
    });
    await followRun(db, id, { intervalMs: 20, timeout: 3, everyMs: 0 }, c.out);
    await c.settled();
    const lines = c.stderr.join('').trim().split('\n');
    expect(lines.join('\n')).toMatch(
      new RegExp(
        `^lượt đồng bộ ${id} vnedu học sinh: 0 bản ghi, chờ vnedu đến .+ \\(\\+07\\) / ` +
          `sync ${id} vnedu students: 0 records, waiting on vnedu until .+ \\(\\+07\\)$`,
        'm',
      ),
    );
    await db.query(
      `UPDATE truc.delivery_gates SET paused_until = NULL, pause_reason = NULL, circuit = 'closed'`,
    );
  });

  it('a run whose hold was decided is no longer reported held', async () => {
    const id = await newRun();
    await createRunGuardRepo(db).hold(id);
    const holds = createGuardHoldsRepo(db);
    const holdId = await holds.create({
      kind: 'run',
      syncRunId: id,
      entity: 'students',
      diff: [],
      reasons: [],
    });
    expect((await holds.heldOfRun(id))?.id).toBe(holdId);
    await holds.decide(holdId, 'rejected', 'test');
    expect(await holds.heldOfRun(id)).toBeUndefined();
  });
});
