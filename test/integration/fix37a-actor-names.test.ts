/**
 * fix37a (review33c N6, the rest of fix36b): who did it, by name, everywhere an admin reads an actor. A sync run's
 * asker and the audit log's actor were named (fix36b); a school system's setter and a quality run's (its scorecards')
 * asker still read a bare id. Now each is the
 * name as it was when the act happened (store/actor-names.ts: the client's display name, the CLI operator's name),
 * with the id beside it (`…Id`): a client renamed after the act still reads its old name. Real PostgreSQL and Redis.
 */
import { describe, expect, it } from 'vitest';
import { qualityRunLine } from '../../src/cli/commands/quality.js';
import { scoreOf } from '../../src/jobs/scorecards.js';
import { createQualityRunsRepo } from '../../src/store/quality-runs.js';
import { createQualityRunScoresRepo } from '../../src/store/quality-run-scores.js';
import { whileRenamed } from '../helpers/api.js';
import { useCliAdminWorld, jsonLines } from '../helpers/cli-admin-world.js';
import { truc } from '../helpers/cli-in-process.js';
import { websiteProbeLetter } from '../helpers/dead-letter.js';
import { runOutbox } from '../helpers/quality-world.js';
import { communeCard } from '../helpers/dashboard-seed.js';

interface SetBy {
  setBy: string | null;
  setById: string | null;
}

describe('fix37a, who did it, by name as it was then (postgres+redis)', () => {
  const { h } = useCliAdminWorld();

  /** Runs `read` with the admin client renamed (the act was before), its name put back after. */
  const renamed = (read: () => Promise<void>) => whileRenamed(h, 'admin', 'So GDDT moi', read);

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

  /** Stores run `runId`'s scorecards (a commune's) and closes its outbox row, as its job does. */
  async function computeWithCard(runId: number, code: string): Promise<void> {
    const db = h.env.deps.db;
    const outboxId = await runOutbox(db, runId);
    const ratio = { passed: 9, total: 10, percent: 90, band: 'green' as const };
    const card = communeCard(code, 10, { dung: ratio, du: ratio, sach: ratio, song: ratio }, ratio);
    const scores = createQualityRunScoresRepo(db);
    const basis = { asOf: '2026-12-04', schoolYear: '2026-2027', catalogueVersion: 'test' };
    expect((await scores.begin('x', outboxId, basis)).runId).toBe(runId);
    await scores.save(runId, [scoreOf(card)]);
    expect(await scores.finish(runId)).toBe(true);
    await db.query('UPDATE truc.outbox SET done_at = now() WHERE id = $1', [outboxId]);
  }

  it("a quality run and its scorecards: the asker by name in the runs, the scorecards and the CLI's line", async () => {
    const admin = h.clients.admin.clientId;
    const posted = await h.send('POST', '/v1/quality/runs', h.tokens.admin);
    expect(posted.statusCode, posted.body).toBe(202);
    const { runId } = posted.json<{ runId: number }>();
    await computeWithCard(runId, '26734');
    const named = { requestedBy: 'City', requestedById: admin };
    await renamed(async () => {
      expect((await h.get(`/v1/quality/runs/${runId}`, h.tokens.admin)).json()).toMatchObject(named);
      const runs = (await h.get('/v1/quality/runs', h.tokens.admin)).json<{ items: Array<{ id: number }> }>();
      expect(runs.items.find((r) => r.id === runId)).toMatchObject(named);
      const cards = (await h.get('/v1/quality/scorecards?level=commune', h.tokens.admin)).json<{
        items: Array<{ code: string; runId: number }>;
      }>();
      expect(cards.items.find((c) => c.code === '26734')).toMatchObject({ runId, ...named });
      const one = (await h.get('/v1/quality/scorecards?level=commune&code=26734', h.tokens.admin)).json<{
        items: object[];
      }>();
      expect(one.items[0]).toMatchObject(named);
      const line = qualityRunLine((await createQualityRunsRepo(h.env.deps.db).get(runId))!);
      expect(line).toContain(`yêu cầu bởi City (${admin})`);
      expect(line).toContain(`requested by City (${admin})`);
    });

    const cli = await truc('quality', 'run', '--as', 'tran.b', '--json');
    expect(cli.code, cli.stderr).toBe(0);
    const cliRun = (JSON.parse(cli.stdout) as { qualityRunId: number }).qualityRunId;
    expect((await h.get(`/v1/quality/runs/${cliRun}`, h.tokens.admin)).json()).toMatchObject({
      requestedBy: 'tran.b',
      requestedById: 'operator:cli:tran.b',
    });
    expect(qualityRunLine((await createQualityRunsRepo(h.env.deps.db).get(cliRun))!)).toContain(
      ' requested by tran.b',
    );
    await computeWithCard(cliRun, '26735');
    // a run no one requested first (computed by a job without its row): named as it is computed
    const direct = await createQualityRunScoresRepo(h.env.deps.db).saveRun(
      admin,
      { asOf: '2026-12-05', schoolYear: '2026-2027', catalogueVersion: 'test' },
      [],
    );
    expect((await h.get(`/v1/quality/runs/${direct}`, h.tokens.admin)).json()).toMatchObject(named);
  });

  it('a dead letter: who replayed it by name in GET /v1/dead-letters and truc dead-letters list', async () => {
    const admin = h.clients.admin.clientId;
    const [byApi, byCli, open] = [
      await websiteProbeLetter(h.env.deps.db),
      await websiteProbeLetter(h.env.deps.db),
      await websiteProbeLetter(h.env.deps.db),
    ];
    const res = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, { ids: [byApi] });
    expect(res.statusCode, res.body).toBe(200);
    const cli = await truc('dead-letters', 'replay', '--ids', String(byCli), '--as', 'tran.b');
    expect(cli.code, cli.stderr).toBe(0);
    await renamed(async () => {
      const list = (await h.get('/v1/dead-letters?includeReplayed=true&limit=500', h.tokens.admin)).json<{
        items: Array<{ id: number }>;
      }>();
      const of = (id: number) => list.items.find((i) => i.id === id);
      expect(of(byApi)).toMatchObject({ replayedBy: 'City', replayedById: admin });
      expect(of(byCli)).toMatchObject({ replayedBy: 'tran.b', replayedById: 'operator:cli:tran.b' });
      expect(of(open)).toMatchObject({ replayedBy: null, replayedById: null });
      const lines = await truc('dead-letters', 'list', '--include-replayed');
      expect(lines.code, lines.stderr).toBe(0);
      const line = lines.stdout.split('\n').find((l) => l.includes(`${byApi} `) && l.includes('bởi City'));
      expect(line, lines.stdout).toContain(`bởi City (${admin})`);
      expect(line).toContain(`by City (${admin})`);
      expect(lines.stdout).toContain(' by tran.b');
    });
  });
});
