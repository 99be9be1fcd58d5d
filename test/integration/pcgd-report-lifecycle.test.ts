/**
 * PCGD reports' lifecycle on both engines (the same SQL on PGlite and PostgreSQL): approval and the signed package
 * (truc's verifier and openssl, the approver named), the locks (also in the database), reopening, the province from
 * its communes' approved reports, and clear errors; on the hand-computed fixture (test/fixtures/pcgd/communes.ts,
 * the seeded store: test/helpers/pcgd-report-world.ts). The figures themselves: pcgd-report.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/chain.js';
import { PersonSchema } from '../../src/canonical/person.js';
import { pdfFromPackage, pdfSignatureParts, xlsxFromPackage } from '../../src/reporting/pcgd/forms.js';
import { readPackage, sha256Hex } from '../../src/reporting/pcgd/package.js';
import { INDICATOR_BY_CODE, type IndicatorCode } from '../../src/reporting/pcgd/indicators.js';
import {
  approveReport,
  computeReport,
  reopenReport,
  reportView,
  signerFor,
} from '../../src/reporting/pcgd/service.js';
import { verifyDetached } from '../../src/reporting/pcgd/signing.js';
import { addClient } from '../../src/ops.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { A, B, C, EXPECTED, PERSONS, YEAR } from '../fixtures/pcgd/communes.js';
import { opensslVerifies, pdfText, workbookFigures } from '../helpers/pcgd.js';
import { pairs, usePcgdReportWorld } from '../helpers/pcgd-report-world.js';

describe.each(['pglite', 'postgres'] as const)('PCGD reports on %s', (kind) => {
  const { w, reports, computeFresh, computeA, approvedA } = usePcgdReportWorld(kind);

  it('the signed package names the approver: a client by its name, the CLI operator by theirs (fix32a)', async () => {
    const approveAs = async (actor: string) => {
      const row = await approveReport(w.deps, { reportId: (await computeFresh(A)).id, actor });
      return readPackage((await reports().evidence(row.id))!.package).report;
    };
    const name = `PCGD xã ${A} (${kind})`;
    const one = await addClient(w.store.db, { name, role: 'pcgd-officer', units: [A] });
    expect(await approveAs(one.clientId)).toMatchObject({
      approvedBy: one.clientId,
      approvedByName: name,
      approvedByNameUnique: true,
    });
    await addClient(w.store.db, { name, role: 'pcgd-officer', units: [A] }); // a second client of that name
    expect(await approveAs(one.clientId)).toMatchObject({
      approvedByName: name,
      approvedByNameUnique: false,
    });
    expect(await approveAs('operator:cli:lan.nguyen')).toMatchObject({
      approvedBy: 'operator:cli:lan.nguyen',
      approvedByName: 'lan.nguyen',
      approvedByNameUnique: true,
    });
    // An actor truc knows no name of: the id alone, as before.
    const unknown = await approveAs('officer-27664');
    expect(unknown.approvedByName).toBeUndefined();
    // fix33c: the API's view names the approver as the package does, the id beside it (or the id alone).
    const viewOf = async (id: number) =>
      reportView((await reports().get(id))!, await reports().signedApproverName(id));
    expect(await viewOf(unknown.reportId)).toMatchObject({
      approvedBy: 'officer-27664',
      approvedById: 'officer-27664',
    });
    const cli = await approveAs('operator:cli:lan.nguyen');
    expect(await viewOf(cli.reportId)).toMatchObject({
      approvedBy: 'lan.nguyen',
      approvedById: 'operator:cli:lan.nguyen',
    });
  });

  it('approve signs the package; the figures lock; verification fails after any change', async () => {
    const current = await computeA();
    const approved = await approveReport(w.deps, { reportId: current.id, actor: 'officer-27664' });
    expect(approved.status).toBe('approved');
    const ev = (await createPcgdRepo(w.store.db).evidence(approved.id))!;
    const pkg = readPackage(ev.package);
    expect(pairs(pkg.indicators)).toEqual(EXPECTED[A].indicators);
    expect(pkg.ruleSet.version).toBe('pcgd-2014.1');
    expect(pkg.lineage.digests.primary_grade1_entry_age6).toMatch(/^[0-9a-f]{64}$/);
    const ok = await verifyDetached(ev.package, ev.signature, { trusted: [ev.signer_certificate] });
    expect(ok).toEqual(expect.objectContaining({ ok: true, trusted: true }));
    const tampered = Buffer.from(ev.package.toString('utf8').replace('"numerator":19', '"numerator":20'));
    expect(tampered.equals(ev.package)).toBe(false);
    expect((await verifyDetached(tampered, ev.signature)).ok).toBe(false);
    // openssl 3 agrees, both ways
    const dir = w.keys.path;
    writeFileSync(join(dir, 'pkg.json'), ev.package);
    writeFileSync(join(dir, 'bad.json'), tampered);
    writeFileSync(join(dir, 'pkg.p7s'), ev.signature);
    writeFileSync(join(dir, 'cert.pem'), ev.signer_certificate);
    const openssl = (content: string) =>
      opensslVerifies({
        content: join(dir, content),
        signature: join(dir, 'pkg.p7s'),
        certificate: join(dir, 'cert.pem'),
      });
    expect(openssl('pkg.json')).toBe(true);
    expect(openssl('bad.json')).toBe(false);
    // locked: no recomputation without a reopen, and the database refuses edits of approved figures
    await expect(computeReport(w.deps, { unitCode: A, year: YEAR, actor: 'test' })).rejects.toMatchObject({
      code: 'ERR_PCGD_REPORT_LOCKED',
    });
    await expect(
      w.store.db.query(`UPDATE truc.pcgd_reports SET figures = '{}' WHERE id = $1`, [approved.id]),
    ).rejects.toThrow(/locked/);
    await expect(
      w.store.db.query(`UPDATE truc.pcgd_reports SET status = 'computed' WHERE id = $1`, [approved.id]),
    ).rejects.toThrow(/lifecycle/);
    await expect(
      w.store.db.query(`DELETE FROM truc.pcgd_lineage WHERE report_id = $1`, [approved.id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      w.store.db.query(`UPDATE truc.pcgd_evidence SET package = 'x' WHERE report_id = $1`, [approved.id]),
    ).rejects.toThrow(/append-only/);
    await expect(approveReport(w.deps, { reportId: approved.id, actor: 'x' })).rejects.toMatchObject({
      code: 'ERR_PCGD_INVALID_TRANSITION',
    });
  });

  it('the workbook and the PDF are made from the signed package and show its numbers; the PDF is signed', async () => {
    const row = await approvedA();
    const ev = (await createPcgdRepo(w.store.db).evidence(row.id))!;
    const pkg = readPackage(ev.package);
    const { sheets, figures: fromSheets } = await workbookFigures(await xlsxFromPackage(ev.package));
    expect(sheets).toEqual(['Thông tin', 'Mầm non 5 tuổi', 'Tiểu học', 'THCS', 'Xóa mù chữ']);
    expect(fromSheets).toEqual(pairs(pkg.indicators));
    const signer = await signerFor(w.deps, A);
    const pdf = await pdfFromPackage(ev.package, signer);
    const { signedContent, signature } = pdfSignatureParts(pdf);
    expect(await verifyDetached(signedContent, signature, { trusted: [ev.signer_certificate] })).toEqual(
      expect.objectContaining({ ok: true, trusted: true }),
    );
    const broken = Buffer.from(signedContent);
    broken[200] = broken[200]! ^ 1;
    expect((await verifyDetached(broken, signature)).ok).toBe(false);
    const text = await pdfText(pdf);
    for (const x of pkg.indicators) {
      const label = INDICATOR_BY_CODE.get(x.code as IndicatorCode)!.label.vi;
      expect(text).toContain(`${label} ${x.numerator} ${x.denominator} ${x.rate ?? '—'}`);
    }
    expect(text).toContain(sha256Hex(ev.package));
  });

  it('reopen makes a new version and keeps the approved one; every step is audited', async () => {
    const approved = await approvedA();
    const v2 = await reopenReport(w.deps, {
      reportId: approved.id,
      actor: 'city-admin',
      reason: 'sửa số liệu',
    });
    expect(v2.version).toBe(approved.version + 1);
    expect(v2.supersedes).toBe(approved.id);
    const old = (await createPcgdRepo(w.store.db).get(approved.id))!;
    expect(old.status).toBe('approved');
    expect(old.superseded_at).not.toBeNull();
    expect(old.reopen_reason).toBe('sửa số liệu');
    expect(await createPcgdRepo(w.store.db).evidence(approved.id)).toBeDefined();
    const actions = await w.store.db.query<{ action: string }>(
      `SELECT action FROM truc.audit_log WHERE action LIKE 'pcgd.%' ORDER BY seq`,
    );
    expect(actions.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['pcgd.computed', 'pcgd.approved', 'pcgd.reopened']),
    );
    expect((await verifyAudit(w.store.db)).ok).toBe(true);
  });

  it("province 79 from its communes' approved reports, as they were signed; then it can be approved", async () => {
    const repo = createPcgdRepo(w.store.db);
    const signed: Record<string, { id: number; persons: number }> = {};
    for (const code of [A, B, C]) {
      let row =
        (await repo.current(code, YEAR)) ??
        (await computeReport(w.deps, { unitCode: code, year: YEAR, actor: 'test' }));
      if (row.status === 'checked')
        row = await approveReport(w.deps, { reportId: row.id, actor: `officer-${code}` });
      expect(row.status).toBe('approved');
      signed[code] = { id: row.id, persons: row.persons };
    }
    // a survey record of A changes after A's approval: the province keeps A's signed figures
    // (put back when the province is computed, so A's hand count holds for tests that run later)
    const original = PersonSchema.parse(PERSONS.find((p) => p.communeCode === A)!);
    const putPerson = (p: typeof original) =>
      createRecordsRepo(w.store.db).upsert(
        'persons',
        [{ key: p.personRef, scope: A, data: p, fingerprint: fingerprint(p) }],
        { system: 'moet-pcgd', mappingVersion: 'moet-pcgd/persons@1' },
      );
    await putPerson(PersonSchema.parse({ ...original, movedAway: true }));
    const row = await computeReport(w.deps, { unitCode: '79', year: YEAR, actor: 'test' }).finally(() =>
      putPerson(original),
    );
    const view = reportView(row);
    expect(view.status).toBe('checked');
    expect(view.findings.filter((x) => x.severity === 'error')).toEqual([]);
    for (const code of [A, B, C]) {
      const c = view.communes!.find((x) => x.communeCode === code)!;
      expect(c.source).toEqual(expect.objectContaining({ reportId: signed[code]!.id, status: 'approved' }));
      expect(c.population).toBe(signed[code]!.persons);
      const ev = (await repo.evidence(signed[code]!.id))!;
      expect(c.source!.packageSha256).toBe(ev.package_sha256);
    }
    expect(view.persons).toBe(signed[A]!.persons + signed[B]!.persons + signed[C]!.persons);
    const approved = await approveReport(w.deps, { reportId: row.id, actor: 'officer-79' });
    const pkg = readPackage((await repo.evidence(approved.id))!.package);
    // the province's package names each commune's signed package
    expect(pkg.lineage.digests[A]).toBe((await repo.evidence(signed[A]!.id))!.package_sha256);
    expect(pkg.communes?.find((c) => c.communeCode === A)?.source?.reportId).toBe(signed[A]!.id);
  });

  it('an unknown unit and a unit without persons are clear errors that change nothing', async () => {
    await expect(computeReport(w.deps, { unitCode: '99999', year: YEAR, actor: 't' })).rejects.toMatchObject({
      code: 'ERR_PCGD_UNKNOWN_UNIT',
    });
    await expect(computeReport(w.deps, { unitCode: '25750', year: YEAR, actor: 't' })).rejects.toMatchObject({
      code: 'ERR_PCGD_NO_PERSONS',
    });
    const n = await w.store.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.pcgd_reports WHERE unit_code = '25750'`,
    );
    expect(n.rows[0]!.n).toBe(0);
  });
});
