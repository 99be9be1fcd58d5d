/**
 * fix33b (issue 7 item 3): `truc holds approve <id> --except <codes>`, the API's `exceptSchools` from the command
 * line: a code the hold does not show is refused in both languages (ERR_GUARD_EXCEPT_SCHOOLS, exit 1, nothing
 * changed), a code that is no school code is a usage error; the hold's own school is left out, the run goes on,
 * and the decision is audited with the school's code. `truc holds show` says which schools were left out. On
 * PostgreSQL, in process, beside the API.
 */
import { describe, expect, it } from 'vitest';
import { heldRunPage } from '../helpers/held-run.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';

const A = '79000001';
const B = '79000002';

describe('truc holds approve --except (postgres)', () => {
  const h = useCliBesideApi();

  it('leaves out the schools named, only schools of the hold; audited', async () => {
    const db = h.env.deps.db;
    const { run, holdId } = await heldRunPage(db, {
      reasons: [
        { school: A, kind: 'deleted', count: 40, live: 100, ratio: 0.4, threshold: 0.3 },
        { school: B, kind: 'deleted', count: 50, live: 100, ratio: 0.5, threshold: 0.3 },
      ],
    });
    const state = async () =>
      (
        await db.query<{ hold: string; except: string[]; run: string; rejected: string[] }>(
          `SELECT g.status AS hold, g.except_schools AS except, r.status AS run, r.rejected_schools AS rejected
             FROM truc.guard_holds g JOIN truc.sync_runs r ON r.id = g.sync_run_id WHERE g.id = $1`,
          [holdId],
        )
      ).rows[0];

    const unknown = await truc('holds', 'approve', String(holdId), '--except', `${B},79099999`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^truc: ERR_GUARD_EXCEPT_SCHOOLS: .+ \/ .+79099999\n$/);
    const bad = await truc('holds', 'approve', String(holdId), '--except', 'x y');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--except');
    expect(await state()).toEqual({ hold: 'held', except: [], run: 'held', rejected: [] });

    const ok = await truc('holds', 'approve', String(holdId), '--except', B);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`/ hold ${holdId} approved (run, sync run ${run}): `);
    expect(ok.stdout).toContain(
      `except these schools (not applied this run, asked again by the next run): ${B}\n`,
    );
    expect(await state()).toEqual({ hold: 'approved', except: [B], run: 'running', rejected: [B] });
    const audit = await db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM truc.audit_log WHERE action = 'guard.approved' AND subject = $1`,
      [`guard-hold:${holdId}`],
    );
    expect(audit.rows.map((r) => r.details.exceptSchools)).toEqual([[B]]);
    const show = await truc('holds', 'show', String(holdId));
    expect(show.stdout).toContain(
      `/ approved except these schools (not applied this run, asked again by the next run): ${B}\n`,
    );
  });
});
