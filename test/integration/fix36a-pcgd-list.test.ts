/**
 * fix36a: `truc pcgd list <unit> [--year]` lists a unit's report versions one line each (unit/year, version, status,
 * outdated, submitted at, receipt), and its `--json` is the API's `GET /v1/pcgd/reports?unit=&year=`, which now says
 * whether a province report rests on a commune version replaced since (`outdated`) and its receipt id. On PostgreSQL
 * with the API in process beside the CLI, on the hand-computed fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveReport,
  computeReport,
  reopenReport,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import { workingYearAt } from '../../src/reporting/pcgd/persons-year.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer } from '../helpers/api.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';
import { makeTempDir, type TempDir } from '../helpers/env.js';
import { seedFixture } from '../helpers/pcgd.js';
import { pcgdConfig } from '../helpers/pcgd-report-world.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

describe('truc pcgd list on postgres', () => {
  const cli = useCliBesideApi();
  let keys: TempDir;
  let deps: PcgdDeps;
  let provinceId = 0;

  beforeAll(async () => {
    keys = await makeTempDir('truc-pcgd-keys-');
    const pcgd = pcgdConfig({ signing: { ...pcgdConfig().signing, dir: keys.path } });
    deps = { db: cli.env.deps.db, pcgd, dataDir: keys.path, now: () => new Date() };
    await seedFixture(cli.env.deps.db);
    const approved = new Map<string, number>();
    for (const code of [A, B, C]) {
      const row = await computeReport(deps, { unitCode: code, year: YEAR, actor: 'test' });
      approved.set(code, (await approveReport(deps, { reportId: row.id, actor: `officer-${code}` })).id);
    }
    provinceId = (await computeReport(deps, { unitCode: '79', year: YEAR, actor: 'officer-79' })).id;
    // B reopened for a correction: the province's figures rest on its withdrawn version.
    await reopenReport(deps, { reportId: approved.get(B)!, actor: 'officer-79', reason: 'sửa / fix' });
    // A delivered and receipted (as the submit job stores a receipt).
    const db = cli.env.deps.db;
    const aId = approved.get(A);
    await db.query(`UPDATE truc.pcgd_reports SET status = 'submitted', submitted_at = now() WHERE id = $1`, [
      aId,
    ]);
    await db.query(
      `UPDATE truc.pcgd_reports SET status = 'receipted', receipted_at = now(),
              receipt = '{"receiptId":"RC-27664-1","receivedAt":"2026-09-30T03:00:00Z","checksum":"x"}'
        WHERE id = $1`,
      [aId],
    );
  }, 120_000);
  afterAll(async () => keys?.remove());

  const api = async (query: string) => {
    const res = await cli.app.inject({
      method: 'GET',
      url: `/v1/pcgd/reports?${query}`,
      headers: bearer(cli.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Array<{ reportId: number; outdated: boolean; receiptId: string | null }> }>();
  };

  it('--json is the API’s answer: the province report built on B’s replaced version is outdated', async () => {
    const listed = await truc('pcgd', 'list', '79', '--year', String(YEAR), '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const body = await api(`unit=79&year=${YEAR}`);
    expect(JSON.parse(listed.stdout)).toEqual(body);
    expect(body.items).toEqual([
      expect.objectContaining({ reportId: provinceId, outdated: true, receiptId: null }),
    ]);
  });

  it('one line a version: the province’s says outdated and what to do; A’s its submission and receipt', async () => {
    const province = await truc('pcgd', 'list', '79');
    expect(province.code, province.stderr).toBe(0);
    const line = province.stdout.split('\n').find((l) => l.includes(`report ${provinceId}`))!;
    expectViThenEn(line.trim());
    expect(line).toContain('LỖI THỜI');
    expect(line).toContain('OUTDATED: built on a replaced commune version, compute again');
    const a = await truc('pcgd', 'list', A, '--year', String(YEAR));
    expect(a.stdout).toMatch(/report \d+\): receipted, submitted 20\d\d-[^,]+, receipt RC-27664-1/);
    // fix11b: the line's late is the API's (its unit missed the deadline, GET /v1/pcgd/reports/{id}'s rule)
    expect((await api(`unit=${A}&year=${YEAR}`)).items[0]).toMatchObject({
      submitBefore: '2026-10-03',
      late: true,
    });
    expect(a.stdout).not.toContain('OUTDATED');
    // walk11 W11-4: A was submitted today, after the 2026 deadline: its line says late, and when it was due
    const aLine = a.stdout.split('\n').find((l) => l.includes('RC-27664-1'))!;
    expectViThenEn(aLine.trim());
    expect(aLine).toContain('TRỄ HẠN: gửi từ ngày hết hạn trở đi (hạn: trước ngày 2026-10-03)');
    expect(aLine).toContain('LATE: submitted on or after its deadline (due before 2026-10-03)');
    // C, approved and not submitted, is past its deadline
    const c = await truc('pcgd', 'list', C, '--year', String(YEAR));
    expect(c.stdout).toContain('LATE: past its deadline, not submitted (due before 2026-10-03)');
    expect(JSON.parse((await truc('pcgd', 'list', A, '--json')).stdout)).toEqual(await api(`unit=${A}`));
  });

  it('fix37c: several units are listed in turn; --json is the API’s answer of each, one line per unit', async () => {
    const both = await truc('pcgd', 'list', A, '79', A, '--year', String(YEAR), '--json');
    expect(both.code, both.stderr).toBe(0);
    const lines = both.stdout.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      await api(`unit=${A}&year=${YEAR}`),
      await api(`unit=79&year=${YEAR}`),
    ]);
    const text = await truc('pcgd', 'list', A, '79');
    expect(text.stdout).toContain(`report versions of ${A}, newest first`);
    expect(text.stdout).toContain('report versions of 79, newest first');
    // One bad code among them: nothing listed, bad usage.
    const bad = await truc('pcgd', 'list', A, '2766');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  });

  it('fix37c: compute’s default year is the Ministry’s working year the newest persons pull read', async () => {
    // The Ministry said a year before truc's calendar's (it opened late): compute takes the Ministry's.
    const ministry = workingYearAt(new Date(), '09-01') - 1;
    await cli.env.deps.db.query(
      `INSERT INTO truc.sync_runs (system, entity, scope, status, requested_by, created_at, finished_at, working_year)
       VALUES ('moet-pcgd', 'persons', $1, 'done', 'test', now(), now(), $2)`,
      [C, ministry],
    );
    const computed = await truc('pcgd', 'compute', B);
    expect(computed.stdout, computed.stderr).toContain(`"year": ${ministry}`);
    expect(computed.stderr).toContain(
      `report year ${ministry}: the PCGD-XMC working year the newest pull (commune ${C}`,
    );
  });

  it('a bad unit or year is bad usage (exit 2), bilingual', async () => {
    const bad = await truc('pcgd', 'list', '2766');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unit: a 5-digit commune or 2-digit province code');
    expect((await truc('pcgd', 'list', A, '--year', '1999')).code).toBe(2);
  });
});
