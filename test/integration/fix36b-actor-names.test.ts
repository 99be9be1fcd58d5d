/**
 * fix36b (review33c N6, the rest of fix35a): who did it, by name, everywhere. A guard hold's decider and a schedule's
 * pauser were named (fix35a); a sync run's `requestedBy` (the API's runs, the operations pages' runs, `truc sync`)
 * still read a bare client id. Now each is the name as it was when the act happened (store/actor-names.ts: the
 * client's display name, the CLI operator's name), with the id beside it (`requestedById`): a client renamed after
 * the act still reads its old name. The audit log's entries keep their actor's name beside the id (`actorName`).
 * Real PostgreSQL and Redis.
 */
import { describe, expect, it } from 'vitest';
import { chainPending } from '../../src/audit/chain.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { addClient } from '../../src/ops.js';
import { goodBody, S1, whileRenamed } from '../helpers/api.js';
import { useCliAdminWorld } from '../helpers/cli-admin-world.js';
import { truc } from '../helpers/cli-in-process.js';

interface Named {
  requestedBy: string;
  requestedById: string;
}

describe('fix36b, who did it, by name as it was then (postgres+redis)', () => {
  const { h } = useCliAdminWorld();

  /** Runs `read` with the admin client renamed (the act was before), its name put back after. */
  const renamed = (read: () => Promise<void>) => whileRenamed(h, 'admin', 'So GDDT moi', read);

  it('a sync run: its asker by name in GET /v1/syncs, the operations runs and truc sync, after a rename', async () => {
    const admin = h.clients.admin.clientId;
    // asked as POST /v1/syncs asks it (this harness's API has no system configured; the CLI's shell has them)
    const id = await h.env.deps.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'schools', requestedBy: admin, at: new Date() }),
    );
    const named = { requestedBy: 'City', requestedById: admin };
    await renamed(async () => {
      expect((await h.get(`/v1/syncs/${id}`, h.tokens.admin)).json<Named>()).toMatchObject(named);
      const list = (await h.get('/v1/syncs?system=hcm-csdl', h.tokens.admin)).json<{
        items: Array<Named & { syncRunId: number }>;
      }>();
      expect(list.items.find((i) => i.syncRunId === id)).toMatchObject(named);
      const ops = (await h.get('/v1/ops/sync-runs?system=hcm-csdl', h.tokens.admin)).json<{
        items: Array<Named & { id: number }>;
      }>();
      expect(ops.items.find((i) => i.id === id)).toMatchObject(named);
      const show = await truc('sync', 'show', String(id));
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain(`bởi City (${admin})`);
      expect(show.stdout).toContain(`by City (${admin})`);
      expect(JSON.parse((await truc('sync', 'show', String(id), '--json')).stdout)).toMatchObject(named);
    });

    const cli = await truc('sync', 'run', 'hcm-csdl', 'classes', '--as', 'tran.b');
    expect(cli.code, cli.stderr).toBe(0);
    const cliRun = (JSON.parse(cli.stdout) as { syncRunId: number }).syncRunId;
    expect((await h.get(`/v1/syncs/${cliRun}`, h.tokens.admin)).json<Named>()).toMatchObject({
      requestedBy: 'tran.b',
      requestedById: 'operator:cli:tran.b',
    });
    expect((await truc('sync', 'show', String(cliRun))).stdout).toContain(' by tran.b, ');
  });

  it('the audit log: each entry its actor by name as it was when recorded, the id in actor', async () => {
    const admin = h.clients.admin.clientId;
    await h.env.deps.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'staff', requestedBy: admin, at: new Date() }),
    );
    const auditor = await h.tokenOf(await addClient(h.env.deps.db, { name: 'Auditor', role: 'auditor' }));
    await renamed(async () => {
      const res = await h.get(`/v1/audit?actor=${admin}&action=sync.requested`, auditor);
      expect(res.statusCode, res.body).toBe(200);
      const items = res.json<{ items: Array<{ actor: string; actorName: string | null }> }>().items;
      expect(items[0]).toMatchObject({ actor: admin, actorName: 'City' });
    });
    expect(await truc('sync', 'run', 'hcm-csdl', 'students', '--as', 'tran.b')).toMatchObject({ code: 0 });
    const cli = await h.get('/v1/audit?actor=operator:cli:tran.b&action=sync.requested', auditor);
    expect(cli.json<{ items: unknown[] }>().items[0]).toMatchObject({ actorName: 'tran.b' });
  });

  it("a vendor's batch (the hot path, off the chain's lock): its name as recorded, kept when chained after a rename", async () => {
    const vendor = h.clients.vendor.clientId;
    const pushed = await h.pushBatch(h.tokens.vendor, S1, goodBody(['NAMED-V1']));
    expect(pushed.statusCode, pushed.body).toBe(202);
    const subject = `batch:${pushed.json<{ batchId: string }>().batchId}`;
    await whileRenamed(h, 'vendor', 'Vendor A renamed', async () => {
      await h.env.deps.db.tx((q) => chainPending(q));
      const rows = await h.env.deps.db.query<{ actor: string; actor_name: string | null }>(
        `SELECT actor, actor_name FROM truc.audit_log WHERE subject = $1 AND action = 'batch.accepted'`,
        [subject],
      );
      expect(rows.rows).toEqual([{ actor: vendor, actor_name: 'Vendor A' }]);
    });
  });
});
