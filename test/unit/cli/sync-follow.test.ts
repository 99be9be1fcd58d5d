/**
 * `truc sync run --follow` on a run the mass-change guard holds (review15 N2): it waited silently until
 * its timeout. Now it stops at once, says the run is held with the hold's counts and how a city admin
 * approves or rejects it, and exits 3 (distinct from done 0, failed 1, bad usage 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followRun } from '../../../src/cli/commands/sync.js';
import type { CliOutput } from '../../../src/cli/kit.js';
import { requestSync } from '../../../src/jobs/requests.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRunGuardRepo } from '../../../src/store/run-guard.js';
import { createMemoryDb, MEMORY_DB_TIMEOUT_MS, type MemoryDb } from '../../helpers/memory-db.js';

function capture() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out: CliOutput = { stdout: (s) => stdout.push(s), stderr: (s) => stderr.push(s) };
  return { out, stdout, stderr };
}

describe('sync run --follow on a held run', () => {
  let db: MemoryDb;
  beforeAll(async () => {
    db = await createMemoryDb();
  }, MEMORY_DB_TIMEOUT_MS);
  afterAll(async () => {
    await db?.close();
  });

  const newRun = () =>
    db.tx((q) =>
      requestSync(q, { system: 'smas', entity: 'students', requestedBy: 'operator:cli', at: new Date() }),
    );

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
    const c = capture();
    // A day's timeout: without the held stop the test would wait it out.
    const code = await followRun(db, id, { intervalMs: 50, timeout: 86_400 }, c.out);
    expect(code).toBe(3);
    expect(JSON.parse(c.stdout.join(''))).toMatchObject({ syncRunId: id, status: 'held' });
    const err = c.stderr.join('');
    expect(err).toMatch(new RegExp(`^sync ${id} smas students: .*; held by the mass-change guard$`, 'm'));
    expect(err).toContain(
      `truc: sync run ${id} is held by the mass-change guard (hold ${holdId}, run): 1 school(s), 100 live students, 40 deleted, 2 moved, 5 changed`,
    );
    expect(err).toContain('school 79000001: deleted 40 of 100 live (40 %, threshold 20 %)');
    expect(err).toContain(`POST /v1/guard/holds/${holdId}/approve`);
    expect(err).toContain(`POST /v1/guard/holds/${holdId}/reject`);
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
