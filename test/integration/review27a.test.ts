/**
 * review27a (stop 47, walked as the city's IT admin and a PCGD-XMC officer through `npm run demo`, the dashboard,
 * the CLI and the API): findings reproduced here. An `it.fails` is an open finding; it passes once the finding is
 * fixed, and then becomes an `it`. Real PostgreSQL, the API in process, a worker where a delivery must fail.
 */
import { describe, expect, it } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import { createSchoolSystemsRepo } from '../../src/store/school-systems.js';
import { waitFor } from '../helpers/env.js';
import { usePushTarget } from '../helpers/push-target.js';

interface SystemRow {
  system: string;
  lastFailureAt: string | null;
  lastErrorCode: string | null;
  runs24h: number;
  errorRate24h: number;
}

describe('review27a on postgres', () => {
  // The city's deployment as the demo has it: the city database (here a stand-in that refuses every write with a
  // 400, as the demo's simulator refuses one staff delivery on purpose) and SMAS configured, with SMAS's nightly pull
  // not yet run.
  const w = usePushTarget({ fallback: 400 }, { env: { SMAS_BASE_URL: 'http://127.0.0.1:9' } });
  const { send } = w;
  const count = async (sql: string, params: unknown[] = []) =>
    (await w.env.deps.db.query<{ n: number }>(sql, params)).rows[0]!.n;
  const overviewSystems = () => w.systems<SystemRow>();

  // F1: the overview's "Hệ thống ngoài / External systems" card lists a system only once it has a sync run or a
  // delivery gate (api/routes/ops/overview.ts systemsOf: `health` from truc.sync_runs + `gates`). In the demo SMAS is
  // configured and has a nightly schedule (smas-students-nightly, shown on the same page), yet the card shows
  // hcm-csdl, moet-pcgd and vnedu only: the admin who checks "is SMAS healthy?" finds no row for it (README: the
  // overview shows "each external system's last success, failures and error rate in 24 h and its circuit").
  // Expected: every configured system has its row (never run: "—", 0 runs, circuit closed).
  it('F1: the overview lists every configured system, also one that has not run yet', async () => {
    const systems = (await overviewSystems()).map((s) => s.system);
    expect(systems).toEqual(expect.arrayContaining(['hcm-csdl', 'smas']));
  });

  // F3: a delivery the city database refuses for good (HTTP 400 → ERR_ADAPTER_REJECTED, dead-lettered at once) is no
  // failure of that system on the overview: hcm-csdl's row says "Lỗi gần nhất / Last failure: —", "Mã lỗi: —",
  // "Tỷ lệ lỗi 0.0 %" (the demo shows exactly this beside its refused staff delivery), while the dead letters card
  // lists push.hcm-csdl ERR_ADAPTER_REJECTED. Only transient failures reach the delivery gate (jobs/gate-rules.ts
  // decideFailure), and the overview reads failures from sync runs and gates only (api/routes/ops/overview.ts
  // lastFailureOf, whose comment promises "its gate's last failed call (a push, a page, a probe)"). Expected: the
  // refused push is hcm-csdl's last failure, with its code.
  it('F3: a delivery refused for good is the system’s last failure on the overview', async () => {
    const worker = startWorkerRole(w.env.deps);
    try {
      await w.push('R27A1');
      await waitFor(
        async () =>
          (await count(
            `SELECT count(*)::int AS n FROM truc.dead_letters WHERE queue = 'push.hcm-csdl' AND error_code = $1`,
            ['ERR_ADAPTER_REJECTED'],
          )) > 0,
        { timeoutMs: 60_000, intervalMs: 200, what: 'the refused delivery’s dead letter' },
      );
    } finally {
      await worker.stop();
    }
    const hcm = (await overviewSystems()).find((s) => s.system === 'hcm-csdl');
    expect(hcm).toMatchObject({ lastErrorCode: 'ERR_ADAPTER_REJECTED', lastFailureAt: expect.any(String) });
  });

  // F2: the schools page's "Phần mềm / Vendor system" column (dashboard/src/schools.ts, and the school page's stat)
  // shows the school record's source, `hcm-csdl` (the city database, which is no vendor system), for every school
  // of the demo, while truc knows which system serves each one (GET /v1/admin/school-systems: 79678904 smas,
  // 79686823 vnedu, ...). GET /v1/ops/schools carries only `sourceSystem`. An admin looking for "which vendor serves
  // this school?" reads hcm-csdl everywhere. Expected: the schools list carries the school's system (smas here), and
  // the column shows it. Fixed (ops28): `schoolSystem` and `schoolSystemFrom` beside `sourceSystem`, in the list and
  // the school's page; the dashboard's column shows `schoolSystem` (test/e2e/dashboard.test.ts).
  it('F2: the ops schools list says which school-management system serves a school', async () => {
    await w.env.deps.db.query(
      `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
       VALUES ('79027001', '{"name":"Trường Tiểu học R27A","communeCode":"26995"}', 'f', 'hcm-csdl', 'v1')
       ON CONFLICT DO NOTHING`,
    );
    await createSchoolSystemsRepo(w.env.deps.db).learn('smas', ['79027001'], 'batch');
    const res = await send('GET', '/v1/ops/schools?q=79027001');
    expect(res.statusCode, res.body).toBe(200);
    const row = res
      .json<{ items: Array<Record<string, unknown>> }>()
      .items.find((s) => s.schoolCode === '79027001');
    expect(row).toBeDefined();
    expect(Object.values(row!), JSON.stringify(row)).toContain('smas');
    expect(row).toMatchObject({ sourceSystem: 'hcm-csdl', schoolSystem: 'smas', schoolSystemFrom: 'batch' });
    const page = await send('GET', '/v1/ops/schools/79027001');
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json<{ school: Record<string, unknown> }>().school).toMatchObject({
      sourceSystem: 'hcm-csdl',
      schoolSystem: 'smas',
    });
  });
  // F4: the overview's "Hạn nộp PCGD-XMC / PCGD-XMC deadlines" card cannot say "late". A commune whose report was
  // submitted two days after its deadline (3 October) shows "✓" in the "Nguy cơ trễ / At risk" column, exactly as
  // one submitted on time (api/routes/ops/overview.ts pcgdOf: `atRisk` is false for any submitted or receipted
  // report, and nothing else compares `submittedAt` with the deadline); the demo's report, submitted on 5 December,
  // shows ✓ and "-62" days left. The other side: a report still unsubmitted 55 days after the deadline is counted
  // "PCGD — Nguy cơ trễ / At risk" with "Còn (ngày): -55", at risk of missing a deadline it has missed. Expected: the
  // unit row says the deadline was missed (here `late: true`, or however the fix names it), and the card shows it.
  it('F4: the PCGD deadlines say a report submitted after its deadline was late', async () => {
    const year = new Date(Date.now() + 7 * 3600_000).getUTCFullYear(); // the overview's year (Vietnam's)
    const deadline = new Date(`${year}-10-03T23:59:59+07:00`);
    await w.env.deps.db.query(
      `INSERT INTO truc.pcgd_reports (unit_code, unit_level, year, version, status, rule_set, mapping_versions,
              figures, findings, persons, lineage_digest, computed_by, submitted_by, submitted_at, receipted_at)
       VALUES ('27901', 'commune', $1, 1, 'receipted', '{}', '{}', '{}', '[]', 10, 'd', 'operator:cli:o', 'operator:cli:o',
               $2, $2)`,
      [year, new Date(deadline.getTime() + 2 * 86_400_000)],
    );
    const res = await send('GET', '/v1/ops/overview');
    expect(res.statusCode, res.body).toBe(200);
    const unit = res
      .json<{ pcgd: { units: Array<Record<string, unknown>> } }>()
      .pcgd.units.find((u) => u.unitCode === '27901');
    expect(unit, res.body).toMatchObject({ status: 'receipted', late: true });
  });
  // F4 (continued, found after the landing deadline): the overview's PCGD card and GET /v1/pcgd/deadlines disagree on
  // the same reports. In the demo on 5 December: the overview counts "PCGD — Nguy cơ trễ: 1" and lists 3 units (79
  // "computed", -55 days, "!"; 26995 and 27112 receipted, -62 days, ✓), while /v1/pcgd/deadlines counts 167 late of 169
  // units and says 26995 and 27112 were `submittedLate: true`, days left -63, the province -56 (the overview counts days
  // to 23:59:59 with Math.ceil, reporting/pcgd/deadlines.ts counts calendar days). Two answers to "are we late?".
  // Expected: one rule (the deadlines module's), the overview's units agreeing with it.
  it('F4: the overview’s PCGD units agree with GET /v1/pcgd/deadlines (days left, late)', async () => {
    const year = new Date(Date.now() + 7 * 3600_000).getUTCFullYear();
    const deadline = new Date(`${year}-10-03T23:59:59+07:00`);
    // A commune of the city (Phường Cát Lái), its report submitted two days after its deadline.
    await w.env.deps.db.query(
      `INSERT INTO truc.pcgd_reports (unit_code, unit_level, year, version, status, rule_set, mapping_versions,
              figures, findings, persons, lineage_digest, computed_by, submitted_by, submitted_at, receipted_at)
       VALUES ('27112', 'commune', $1, 1, 'receipted', $3, '{}', '{}', '[]', 10, 'd', 'operator:cli:o', 'operator:cli:o',
               $2, $2)`,
      [
        year,
        new Date(deadline.getTime() + 2 * 86_400_000),
        { version: 'v', settingsDigest: 'd', unverified: [] },
      ],
    );
    const overview = await send('GET', '/v1/ops/overview');
    const deadlines = await send('GET', `/v1/pcgd/deadlines?year=${year}`);
    expect(deadlines.statusCode, deadlines.body).toBe(200);
    const fromOverview = overview
      .json<{ pcgd: { units: Array<{ unitCode: string; daysLeft: number }> } }>()
      .pcgd.units.find((u) => u.unitCode === '27112');
    const fromDeadlines = deadlines
      .json<{ units: Array<{ unitCode: string; daysLeft: number; submittedLate: boolean }> }>()
      .units.find((u) => u.unitCode === '27112');
    expect(fromDeadlines).toMatchObject({ submittedLate: true });
    expect(fromOverview).toMatchObject({ daysLeft: fromDeadlines!.daysLeft, late: true });
    // walk2 F7 (the lead's rule): counted submitted, and submitted late among them; late alone is not submitted
    const counts = deadlines.json<{ counts: Record<string, number> }>().counts;
    expect(counts).toMatchObject({ submitted: 1, submittedLate: 1 });
    // walk9 W9-4: the report itself says its deadline and that it was late, as the deadlines do (one rule)
    const id = (
      await w.env.deps.db.query<{ id: number }>(
        `SELECT id FROM truc.pcgd_reports WHERE unit_code = '27112' AND year = $1`,
        [year],
      )
    ).rows[0]!.id;
    const report = await send('GET', `/v1/pcgd/reports/${id}`);
    expect(report.statusCode, report.body).toBe(200);
    expect(report.json()).toMatchObject({ submitBefore: `${year}-10-03`, late: true });
  });
});
