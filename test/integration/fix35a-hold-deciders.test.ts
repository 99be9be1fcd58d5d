/**
 * fix35a (fix34e item 4, review33c N6): who decided a guard hold, by name. `decidedBy` was the OAuth client's id (or
 * `operator:cli:<name>`): the auditor read an opaque id where a PCGD report names its approver. Now, as PCGD reports
 * do (`approvedBy`/`approvedById`), `decidedBy` is the name as it was when the hold was decided (the client's display
 * name, the CLI operator's name; store/actor-names.ts) and `decidedById` the id, in the API's hold and list, in
 * `truc holds list/show` (text and `--json`), and in the decision's audit entry (`actorName`). A schedule's pause
 * (review33c N6: every list that says who did something, the same name from one place) names who paused it the same
 * way (`pausedBy`, `pausedById`). Real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { createClientsRepo } from '../../src/store/clients.js';
import { createSchedulesRepo } from '../../src/store/schedules.js';
import { useCliAdminWorld } from '../helpers/cli-admin-world.js';
import { truc } from '../helpers/cli-in-process.js';
import { heldRunPage } from '../helpers/held-run.js';

interface HoldBody {
  id: number;
  status: string;
  decidedBy: string | null;
  decidedById: string | null;
}

describe('fix35a, who decided a hold, by name (postgres)', () => {
  const { h } = useCliAdminWorld();

  const auditOf = async (id: number) =>
    (
      await h.env.deps.db.query<{ actor: string; details: Record<string, unknown> }>(
        `SELECT actor, details FROM truc.audit_log WHERE subject = $1 AND action LIKE 'guard.%'`,
        [`guard-hold:${id}`],
      )
    ).rows;

  it('an API client: its display name and its id, in the hold, the list, the CLI and the audit', async () => {
    const { holdId } = await heldRunPage(h.env.deps.db, { reasons: [] });
    const admin = h.clients.admin.clientId;
    const decided = await h.send('POST', `/v1/guard/holds/${holdId}/approve`, h.tokens.admin, {});
    expect(decided.statusCode, decided.body).toBe(200);
    const named = { decidedBy: 'City', decidedById: admin };
    expect(decided.json<HoldBody>()).toMatchObject(named);
    expect((await h.get(`/v1/guard/holds/${holdId}`, h.tokens.admin)).json<HoldBody>()).toMatchObject(named);
    const list = (await h.get('/v1/guard/holds?status=approved', h.tokens.admin)).json<{
      items: HoldBody[];
    }>();
    expect(list.items.find((i) => i.id === holdId)).toMatchObject(named);
    expect(await auditOf(holdId)).toEqual([
      { actor: admin, details: expect.objectContaining({ actorName: 'City' }) },
    ]);

    const show = await truc('holds', 'show', String(holdId));
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`/ decided: approved by City \\(${admin}\\) at `));
    const listed = await truc('holds', 'list', '--status', 'approved');
    expect(listed.stdout).toMatch(
      new RegExp(`\\n    đã duyệt bởi City \\(${admin}\\) lúc [^/]+ / approved by City \\(${admin}\\) at `),
    );
    const json = JSON.parse((await truc('holds', 'show', String(holdId), '--json')).stdout) as HoldBody;
    expect(json).toMatchObject(named);

    // the name as it was when they decided: a client renamed since does not rename its past decisions
    await createClientsRepo(h.env.deps.db).update(admin, { name: 'Sở GDĐT' });
    try {
      expect((await h.get(`/v1/guard/holds/${holdId}`, h.tokens.admin)).json<HoldBody>()).toMatchObject(
        named,
      );
    } finally {
      await createClientsRepo(h.env.deps.db).update(admin, { name: 'City' });
    }
  });

  it('a CLI operator: the operator’s name, the actor id beside it; a held hold names nobody', async () => {
    const { holdId } = await heldRunPage(h.env.deps.db, { reasons: [] });
    const held = (await h.get(`/v1/guard/holds/${holdId}`, h.tokens.admin)).json<HoldBody>();
    expect(held).toMatchObject({ decidedBy: null, decidedById: null });
    const e = await truc('holds', 'reject', String(holdId), '--as', 'tran.b');
    expect(e.code, e.stderr).toBe(0);
    const named = { decidedBy: 'tran.b', decidedById: 'operator:cli:tran.b' };
    expect((await h.get(`/v1/guard/holds/${holdId}`, h.tokens.admin)).json<HoldBody>()).toMatchObject(named);
    const show = await truc('holds', 'show', String(holdId));
    expect(show.stdout).toContain('/ decided: rejected by tran.b at ');
    expect(await auditOf(holdId)).toEqual([
      { actor: 'operator:cli:tran.b', details: expect.objectContaining({ actorName: 'tran.b' }) },
    ]);
  });

  it('a schedule paused: by name and id in the list (--json as the API), by name in words', async () => {
    const admin = h.clients.admin.clientId;
    await createSchedulesRepo(h.env.deps.db).setPaused('smas-students-nightly', true, admin);
    try {
      const json = await truc('schedules', 'list', '--json');
      expect(json.code, json.stderr).toBe(0);
      const items = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; pausedBy: string | null; pausedById: string | null });
      expect(items.find((i) => i.id === 'smas-students-nightly')).toMatchObject({
        pausedBy: 'City',
        pausedById: admin,
      });
      const list = await truc('schedules', 'list');
      expect(list.stdout).toContain(
        `/ smas-students-nightly: smas students, cron 0 2 * * * (Asia/Ho_Chi_Minh); paused by City (${admin}); `,
      );
    } finally {
      await createSchedulesRepo(h.env.deps.db).setPaused('smas-students-nightly', false, admin);
    }
  });
});
