/**
 * fix32e (review32 F3): `truc sync run --follow` on a run held while its next pages are weighed (the hold's
 * `weighingUntil`, src/jobs/run-weigh.ts) prints the hold once it is whole: every school the weighing added.
 */
import { describe, expect, it } from 'vitest';
import { followRun } from '../../../src/cli/commands/sync-follow.js';
import type { CliOutput } from '../../../src/cli/kit.js';
import { requestSync } from '../../../src/jobs/requests.js';
import { createGuardHoldsRepo, type HoldReason, type SchoolDiff } from '../../../src/store/guard-holds.js';
import { createRunGuardRepo } from '../../../src/store/run-guard.js';
import { useMemoryDb } from '../../helpers/memory-db.js';

const diffOf = (school: string): SchoolDiff => ({
  school,
  live: 100,
  deleted: 40,
  moved: 0,
  changed: 0,
  keys: { deleted: [], moved: [], changed: [] },
});
const reasonOf = (school: string): HoldReason => ({
  school,
  kind: 'deleted',
  count: 40,
  live: 100,
  ratio: 0.4,
  threshold: 0.3,
});

describe('sync run --follow on a run held while its next pages are weighed', () => {
  const db = useMemoryDb();

  it('prints the hold once the weighing is over, with every school it holds', async () => {
    const id = await db.tx((q) =>
      requestSync(q, { system: 'smas', entity: 'students', requestedBy: 'operator:cli', at: new Date() }),
    );
    expect(await createRunGuardRepo(db).hold(id)).toBe(true);
    const holds = createGuardHoldsRepo(db);
    const holdId = await holds.create({
      kind: 'run',
      syncRunId: id,
      entity: 'students',
      diff: [diffOf('79000001')],
      reasons: [reasonOf('79000001')],
    });
    await holds.widen(holdId, [diffOf('79000001')], [reasonOf('79000001')], 120);
    const err: string[] = [];
    const out: CliOutput = { stdout: () => undefined, stderr: (s) => err.push(s) };
    // The weighing ends (the hold widened to a second school) right after the follow first reads the hold.
    const both = ['79000001', '79000002'];
    let widened = false;
    const seen = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return async (sql: string, params?: unknown[]) => {
          const res = await target.query(sql, params);
          if (!widened && sql.includes('FROM truc.guard_holds')) {
            widened = true;
            await holds.widen(holdId, both.map(diffOf), both.map(reasonOf), 0);
          }
          return res;
        };
      },
    });
    expect(await followRun(seen, id, { intervalMs: 20, timeout: 86_400 }, out)).toBe(3);
    expect(widened).toBe(true);
    const text = err.join('');
    expect(text).toContain('2 schools');
    expect(text).toContain('school 79000002: deleted 40 of 100 live');
  });
});
