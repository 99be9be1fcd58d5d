/**
 * restoreguard (issue 7, the walk-through's demo): the SMAS vendor sends a snapshot (SMAS's format) keeping 1 of a
 * school's students; the mass-change guard holds its deletions and a city admin approves them. SMAS still holds
 * every student, so its next full pull brought all of them back unheld (`accepted`), undoing the approved deletions:
 * the guard counted restores against nobody. A restore is a change: the pull's page is held (a hold of kind `run`
 * whose diff lists the restores as their own kind), and approving it applies them; a pull restoring 2 of a school
 * goes through. Real PostgreSQL and Redis, the worker role, the hcm-csdl and SMAS simulators over HTTP (the world of
 * ../helpers/school-system-world.ts, a school of any size guarded after the first pulls).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decideHold, requestSync } from '../../src/jobs/contracts.js';
import type { SmasSimulator } from '../../src/simulators/smas/simulator.js';
import type { TestEnv } from '../helpers/env.js';
import {
  GUARDING_SMALL_SCHOOLS,
  useSchoolSystemWorld,
  worldActions,
  worldReads,
} from '../helpers/school-system-world.js';
import { settleOutbox } from '../helpers/settled-sync.js';

const SIZE = { seed: 'restoreguard', schools: 4, studentsPerSchool: 10, staffPerSchool: 1 };

describe('a SMAS pull restoring the deletions a city admin approved (restoreguard)', () => {
  let env: TestEnv;
  let smas: SmasSimulator;
  const world = useSchoolSystemWorld(SIZE, GUARDING_SMALL_SCHOOLS);
  beforeAll(() => void ({ env, smas } = world));
  const { sync, smasStudents, vendorPushes } = worldReads(world);
  const { holdOf } = worldActions(world);

  const live = async (school: string) =>
    (
      await env.deps.db.query<{ key: string }>(
        `SELECT student_code AS key FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1`,
        [school],
      )
    ).rows.map((r) => r.key);
  const approve = async (holdId: number, what: string) => {
    await env.deps.db.tx((q) =>
      decideHold(q, { holdId, decision: 'approved', by: 'city-admin', at: env.deps.now() }),
    );
    await settleOutbox(env.deps.db, what);
  };
  /** The school's SMAS vendor sends a snapshot keeping `kept` of its students; approved when held. */
  async function snapshotKeeping(school: string, kept: number) {
    const all = await smasStudents(school);
    const before = await live(school);
    expect(before).toHaveLength(all.length);
    const hold = await holdOf(await vendorPushes(school, all.slice(0, kept), 'snapshot'));
    if (hold) await approve(hold.id, 'the approved snapshot');
    expect(await live(school)).toHaveLength(kept);
    return before;
  }

  it('holds the full pull bringing back 9 of 10 deleted by an approved snapshot; approving applies them', async () => {
    const school = smas.schoolCodes[0]!;
    const before = await snapshotKeeping(school, 1);
    const runId = await env.deps.db.tx((q) =>
      requestSync(q, {
        system: 'smas',
        entity: 'students',
        full: true,
        requestedBy: 'test',
        at: env.deps.now(),
      }),
    );
    await settleOutbox(env.deps.db, 'the smas run');
    const run = await env.deps.db.query<{ status: string }>(
      'SELECT status FROM truc.sync_runs WHERE id = $1',
      [runId],
    );
    expect(run.rows[0]?.status, 'the pull is held').toBe('held');
    expect(await live(school)).toHaveLength(1);
    const hold = (
      await env.deps.db.query<{ id: number; kind: string; diff: unknown[]; reasons: unknown[] }>(
        `SELECT id, kind, diff, reasons FROM truc.guard_holds WHERE sync_run_id = $1 AND status = 'held'`,
        [runId],
      )
    ).rows[0]!;
    expect(hold.kind).toBe('run');
    expect(hold.reasons).toEqual([expect.objectContaining({ school, kind: 'changed', count: 9, live: 10 })]);
    expect(hold.diff).toEqual([
      expect.objectContaining({
        school,
        live: 1,
        restored: 9,
      }),
    ]);
    const restoredKeys = (hold.diff[0] as { keys: { restored: string[] } }).keys.restored;
    expect(restoredKeys).toHaveLength(9);
    expect(before).toEqual(expect.arrayContaining(restoredKeys));

    await approve(hold.id, 'the approved run');
    expect(await live(school)).toEqual(before);
    const after = await env.deps.db.query<{ status: string }>(
      'SELECT status FROM truc.sync_runs WHERE id = $1',
      [runId],
    );
    expect(after.rows[0]?.status).toBe('done');
  });

  it('lets a full pull bringing back 2 of 10 through', async () => {
    const school = smas.schoolCodes[1]!;
    const before = await snapshotKeeping(school, 8);
    await sync('smas', true);
    expect(await live(school)).toEqual(before);
  });
});
