/**
 * fix37a (review33c N6, the rest of fix36b): who did it, by name, everywhere an admin reads an actor. A sync run's
 * asker and the audit log's actor were named (fix36b); a school system's setter still read a bare id. Now it is the
 * name as it was when the act happened (store/actor-names.ts: the client's display name, the CLI operator's name),
 * with the id beside it (`…Id`): a client renamed after the act still reads its old name. Real PostgreSQL and Redis.
 */
import { describe, expect, it } from 'vitest';
import { createClientsRepo } from '../../src/store/clients.js';
import { useCliAdminWorld, jsonLines } from '../helpers/cli-admin-world.js';
import { truc } from '../helpers/cli-in-process.js';

interface SetBy {
  setBy: string | null;
  setById: string | null;
}

describe('fix37a, who did it, by name as it was then (postgres+redis)', () => {
  const { h } = useCliAdminWorld();

  /** Runs `read` with the admin client renamed (the act was before), its name put back after. */
  async function renamed(read: () => Promise<void>): Promise<void> {
    const clients = createClientsRepo(h.env.deps.db);
    await clients.update(h.clients.admin.clientId, { name: 'So GDDT moi' });
    try {
      await read();
    } finally {
      await clients.update(h.clients.admin.clientId, { name: 'City' });
    }
  }

  /** A school truc holds (its record stored), as a schools pull would leave it. */
  const holdSchool = (code: string) =>
    h.env.deps.db.query(
      `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
       VALUES ($1, '{}', 'f', 'hcm-csdl', 'v1') ON CONFLICT DO NOTHING`,
      [code],
    );

  it("a school's system: its setter by name in the admin API, the operations schools and truc school-systems", async () => {
    const admin = h.clients.admin.clientId;
    await holdSchool('NAM001');
    const put = await h.send('PUT', '/v1/admin/school-systems/NAM001', h.tokens.admin, { system: 'vnedu' });
    expect(put.statusCode, put.body).toBe(200);
    const named = { setBy: 'City', setById: admin };
    expect(put.json<SetBy>()).toMatchObject(named);
    await renamed(async () => {
      expect((await h.get('/v1/admin/school-systems/NAM001', h.tokens.admin)).json<SetBy>()).toMatchObject(
        named,
      );
      const list = (await h.get('/v1/admin/school-systems?learnedFrom=admin', h.tokens.admin)).json<{
        items: Array<SetBy & { schoolCode: string }>;
      }>();
      expect(list.items.find((i) => i.schoolCode === 'NAM001')).toMatchObject(named);
      const ops = (await h.get('/v1/ops/schools/NAM001', h.tokens.admin)).json<{ school: object }>();
      expect(ops.school).toMatchObject({ schoolSystemSetBy: 'City', schoolSystemSetById: admin });
      const cli = await truc('school-systems', 'list', '--system', 'vnedu');
      expect(cli.code, cli.stderr).toBe(0);
      expect(jsonLines(cli.stdout).find((r) => r.schoolCode === 'NAM001')).toMatchObject(named);
    });

    const set = await truc('school-systems', 'set', 'NAM001', '--system', 'smas', '--as', 'tran.b');
    expect(set.code, set.stderr).toBe(0);
    expect((await h.get('/v1/admin/school-systems/NAM001', h.tokens.admin)).json<SetBy>()).toMatchObject({
      setBy: 'tran.b',
      setById: 'operator:cli:tran.b',
    });
    // learned, not set: nobody
    await holdSchool('NAM002');
    await h.env.deps.db.query(
      `INSERT INTO truc.school_systems (school_code, system, learned_from) VALUES ('NAM002', 'smas', 'pull')`,
    );
    const learned = (await h.get('/v1/ops/schools/NAM002', h.tokens.admin)).json<{ school: object }>();
    expect(learned.school).toMatchObject({ schoolSystemSetBy: null, schoolSystemSetById: null });
  });
});
