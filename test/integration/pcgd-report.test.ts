/**
 * PCGD reports on both engines (the same SQL on PGlite and PostgreSQL): the hand-computed fixture
 * (test/fixtures/pcgd/communes.ts), the enrolment join, the province roll-up, the lifecycle and its
 * locks (also in the database), lineage, and the signed package (truc's verifier and openssl).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/chain.js';
import { communesOfProvince } from '../../src/canonical/codes/admin-units.js';
import { PersonSchema } from '../../src/canonical/person.js';
import { loadConfig, type PcgdConfig } from '../../src/config.js';
import type { IndicatorFigure, LevelResult } from '../../src/reporting/pcgd/evaluate.js';
import { pdfFromPackage, pdfSignatureParts, xlsxFromPackage } from '../../src/reporting/pcgd/forms.js';
import { readPackage, sha256Hex } from '../../src/reporting/pcgd/package.js';
import { INDICATOR_BY_CODE, type IndicatorCode } from '../../src/reporting/pcgd/indicators.js';
import {
  approveReport,
  computeReport,
  lineageSelection,
  reopenReport,
  reportView,
  ruleSetOf,
  signerFor,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import { verifyDetached } from '../../src/reporting/pcgd/signing.js';
import { addClient } from '../../src/ops.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { A, B, C, EXPECTED, PERSONS, YEAR } from '../fixtures/pcgd/communes.js';
import { opensslVerifies, pdfText, seedFixture, workbookFigures } from '../helpers/pcgd.js';
import { makeTempDir, openTestStore, type TempDir, type TestStore } from '../helpers/env.js';

function pcgdConfig(over: Partial<PcgdConfig> = {}): PcgdConfig {
  const base = loadConfig({
    env: { TRUC_PROFILE: 'test', TRUC_PCGD_DIFFICULT_COMMUNES: `${YEAR}:${B}` },
  }).pcgd;
  return { ...structuredClone(base), ...over };
}

const pairs = (inds: readonly IndicatorFigure[]) =>
  Object.fromEntries(inds.map((x) => [x.code, [x.numerator, x.denominator]]));
const metLevels = (levels: readonly LevelResult[]) => levels.filter((l) => l.met).map((l) => l.level);

describe.each(['pglite', 'postgres'] as const)('PCGD reports on %s', (kind) => {
  let store: TestStore;
  let keys: TempDir;
  let deps: PcgdDeps;

  beforeAll(async () => {
    store = await openTestStore(kind);
    keys = await makeTempDir('truc-pcgd-keys-');
    deps = {
      db: store.db,
      pcgd: pcgdConfig({ signing: { ...pcgdConfig().signing, dir: keys.path } }),
      dataDir: keys.path,
      now: () => new Date(),
    };
    await seedFixture(store.db);
  }, 120_000);
  afterAll(async () => {
    await store?.cleanup();
    await keys?.remove();
  });

  // Commune A's report goes computed → approved → reopened across the tests below. Each test gets the
  // state it needs from these helpers, so any one runs alone and in any order (`--sequence.shuffle`).
  const reports = () => createPcgdRepo(store.db);
  /** A freshly computed version of a unit; a locked (approved or later) one is reopened to make it. */
  async function computeFresh(unitCode: string, d: PcgdDeps = deps) {
    const current = await reports().current(unitCode, YEAR);
    if (current && ['approved', 'submitted', 'receipted'].includes(current.status))
      return reopenReport(d, { reportId: current.id, actor: 'test', reason: 'test' });
    return computeReport(d, { unitCode, year: YEAR, actor: 'test' });
  }
  const computeA = () => computeFresh(A);
  /** A's current version, computed here when there is none yet. */
  const currentA = async () => (await reports().current(A, YEAR)) ?? computeA();
  /** A's current version, approved (computed and approved here when it is not yet). */
  async function approvedA() {
    const current = await currentA();
    if (current.status === 'approved') return current;
    return approveReport(deps, { reportId: (await computeA()).id, actor: 'officer-27664' });
  }

  it('commune A: every figure equals the hand count; levels exactly at the thresholds are met', async () => {
    const row = await computeA();
    const view = reportView(row);
    expect(view.persons).toBe(EXPECTED[A].population);
    expect(pairs(view.indicators)).toEqual(EXPECTED[A].indicators);
    expect(metLevels(view.levels)).toEqual(EXPECTED[A].met);
    expect(view.difficult).toBe(false);
    expect(view.status).toBe('checked');
    const rate = (code: string) => view.indicators.find((x) => x.code === code)?.rate;
    expect(rate('preschool5_attending')).toBe(95);
    expect(rate('literacy_level1_age15_25')).toBe(87.5);
    const l2 = view.levels.find((l) => l.level === 'primary_level2')!;
    expect(l2.shortfall).toEqual([
      expect.objectContaining({
        kind: 'indicator',
        indicator: 'primary_grade1_entry_age6',
        threshold: 95,
        morePersons: 1,
      }),
      expect.objectContaining({
        kind: 'indicator',
        indicator: 'primary_completed_age11',
        threshold: 80,
        morePersons: 1,
      }),
    ]);
    expect(l2.shortfall[0]!.message.en).toBe('1 more 6-year-old in grade 1 would reach 95%.');
    const l3 = view.levels.find((l) => l.level === 'primary_level3')!;
    expect(l3.shortfall.map((s) => (s.kind === 'indicator' ? s.morePersons : s.kind))).toEqual([
      'requires',
      1,
      2,
    ]);
    expect(view.ruleSet.version).toBe('pcgd-2014.1');
    expect(view.ruleSet.unverified.map((u) => u.setting)).toContain('lowerSecondaryLevel2');
    expect(view.ruleSet.unverified.map((u) => u.setting)).toContain('ageRule');
  });

  it("commune A: enrolment mismatches are findings with counts (matched by personal ID, then by name + birth date + a parent's name)", async () => {
    const row = await currentA();
    const f = reportView(row).findings;
    const count = (rule: string) => f.find((x) => x.rule === rule)?.count;
    expect(count('PCGD_ENROLMENT_IN_CLASS_NOT_ENROLLED')).toBe(EXPECTED[A].enrolment.inClassNotEnrolled);
    expect(count('PCGD_ENROLMENT_ENROLLED_NOT_IN_CLASS')).toBe(EXPECTED[A].enrolment.enrolledNotInClass);
    expect(count('PCGD_ENROLMENT_UNMATCHABLE')).toBe(EXPECTED[A].enrolment.unmatchable);
    expect(count('PCGD_ENROLMENT_MATCHED_BY_NAME')).toBe(EXPECTED[A].enrolment.matchedByName);
    const repo = createPcgdRepo(store.db);
    const sel = lineageSelection('inClassNotEnrolled', ruleSetOf(deps.pcgd))!;
    const listed = await repo.lineagePage(row.id, sel, { limit: 10 });
    expect(listed).toHaveLength(4);
    const byName = await repo.lineagePage(row.id, lineageSelection('matchedByName', ruleSetOf(deps.pcgd))!, {
      limit: 10,
    });
    // five-year-old #2 (in class) and the fourteen-year-old out of school
    expect(byName.map((r) => [r.age, r.inNumerator])).toEqual(
      expect.arrayContaining([
        [5, true],
        [14, true],
      ]),
    );
    expect(byName).toHaveLength(2);
  });

  it('commune B (ĐBKK): ĐBKK thresholds exactly met, one person below is a shortfall of 1', async () => {
    const view = reportView(await computeFresh(B));
    expect(view.difficult).toBe(true);
    expect(pairs(view.indicators)).toEqual(EXPECTED[B].indicators);
    const levels = view.levels;
    expect(metLevels(levels)).toEqual(EXPECTED[B].met);
    const pre = levels.find((l) => l.level === 'preschool5')!;
    expect(pre.shortfall).toEqual([
      expect.objectContaining({
        indicator: 'preschool5_completed',
        threshold: 80,
        numerator: 7,
        denominator: 10,
        morePersons: 1,
      }),
    ]);
    const ls2 = levels.find((l) => l.level === 'lower_secondary_level2')!;
    expect(ls2.shortfall).toEqual([
      expect.objectContaining({ threshold: 80, morePersons: 1, unverified: true }),
    ]);
    const lit2 = levels.find((l) => l.level === 'literacy_level2')!;
    expect(lit2.shortfall).toEqual([
      expect.objectContaining({ indicator: 'literacy_level2_age15_35', morePersons: 10 }),
    ]);
  });

  it('commune C without five-year-olds: no rate, preschool5 not met, a finding says why', async () => {
    const view = reportView(await computeFresh(C));
    expect(view.persons).toBe(EXPECTED[C].population);
    const att = view.indicators.find((x) => x.code === 'preschool5_attending')!;
    expect(att).toEqual({ code: 'preschool5_attending', numerator: 0, denominator: 0, rate: null });
    const pre = view.levels.find((l) => l.level === 'preschool5')!;
    expect(pre.met).toBe(false);
    expect(pre.shortfall[0]).toEqual(expect.objectContaining({ morePersons: null }));
    expect(
      view.findings.some((x) => x.rule === 'PCGD_NO_COHORT' && x.indicator === 'preschool5_attending'),
    ).toBe(true);
  });

  it('the disability setting removes persons with a disability from numerators and denominators', async () => {
    const records = createRecordsRepo(store.db);
    const six = PERSONS.find((p) => p.communeCode === C && p.birthDate === '2020-08-08')!;
    const changed = PersonSchema.parse({ ...six, disability: 'physical' });
    await records.upsert(
      'persons',
      [{ key: changed.personRef, scope: C, data: changed, fingerprint: fingerprint(changed) }],
      {
        system: 'moet-pcgd',
        mappingVersion: 'moet-pcgd/persons@1',
      },
    );
    const before = (await reports().current(C, YEAR))?.version ?? 0;
    const excluding: PcgdDeps = { ...deps, pcgd: { ...deps.pcgd, excludeDisabledFromDenominators: true } };
    const view = reportView(await computeFresh(C, excluding));
    expect(pairs(view.indicators).primary_grade1_entry_age6).toEqual([1, 1]);
    const normal = reportView(await computeFresh(C));
    expect(pairs(normal.indicators).primary_grade1_entry_age6).toEqual([2, 2]);
    expect(normal.version).toBe(before + 2); // two more versions of C, whatever ran before
  });

  // fix31d counted a person without a readable birth date at no age and said so; a commune where nobody's birth date
  // could be read had no person at any age, and its computation failed ERR_PCGD_NO_PERSONS with no finding.
  it("a commune whose persons' birth dates are all unreadable: the report says why (fix32a)", async () => {
    const code = communesOfProvince('01')[0]!.code; // another province: 79's roll-up is not touched
    const unreadable = PERSONS.filter((p) => p.communeCode === A)
      .slice(0, 4)
      .map((p, i) => {
        const { birthDate: _b, personalId: _id, ...rest } = p;
        return PersonSchema.parse({
          ...rest,
          personRef: `F32A-${code}-${i}`,
          communeCode: code,
          unread: ['birthDate'],
        });
      });
    await createRecordsRepo(store.db).upsert(
      'persons',
      unreadable.map((p) => ({ key: p.personRef, scope: code, data: p, fingerprint: fingerprint(p) })),
      { system: 'moet-pcgd', mappingVersion: 'moet-pcgd/persons@1' },
    );
    const row = await computeFresh(code);
    expect(row.status).toBe('computed'); // not failed: an error finding keeps it from approval
    const found = (
      reportView(row).findings as Array<{ rule: string; severity: string; count?: number; en: string }>
    )
      .filter((x) => x.rule === 'PCGD_PERSONS_UNREAD')
      .map((x) => [x.severity, x.count, /column (\w+)/.exec(x.en)?.[1]]);
    expect(found).toStrictEqual([['error', 4, 'ngaySinh']]);
    await expect(approveReport(deps, { reportId: row.id, actor: 'x' })).rejects.toMatchObject({
      code: 'ERR_PCGD_CHECK_FAILED',
    });
  });

  it('the signed package names the approver: a client by its name, the CLI operator by theirs (fix32a)', async () => {
    const approveAs = async (actor: string) => {
      const row = await approveReport(deps, { reportId: (await computeFresh(A)).id, actor });
      return readPackage((await reports().evidence(row.id))!.package).report;
    };
    const name = `PCGD xã ${A} (${kind})`;
    const one = await addClient(store.db, { name, role: 'pcgd-officer', units: [A] });
    expect(await approveAs(one.clientId)).toMatchObject({
      approvedBy: one.clientId,
      approvedByName: name,
      approvedByNameUnique: true,
    });
    await addClient(store.db, { name, role: 'pcgd-officer', units: [A] }); // a second client of that name
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

  it('province 79: communes meeting each level out of communes with data', async () => {
    // Each commune's current version computed from persons (an approved one reopened), and so the province's.
    for (const code of [A, B, C]) await computeFresh(code);
    const view = reportView(await computeFresh('79'));
    expect(view.unitLevel).toBe('province');
    expect(view.communes?.map((c) => c.communeCode)).toEqual([A, C, B].sort());
    // no commune has approved its report yet: all three computed from persons, and that blocks approval
    expect(view.status).toBe('computed');
    const blocking = view.findings.filter((x) => x.severity === 'error');
    expect(blocking).toEqual([expect.objectContaining({ rule: 'PCGD_COMMUNES_NOT_APPROVED', count: 3 })]);
    expect(view.communes?.every((c) => c.source === null)).toBe(true);
    const meeting = Object.fromEntries(
      view.indicators
        .filter((x) => x.code.startsWith('communes_meeting_'))
        .map((x) => [x.code, [x.numerator, x.denominator]]),
    );
    expect(meeting.communes_meeting_preschool5).toEqual([1, 3]);
    // C has no 14-year-olds: no rate for primary completion at 14, so primary level 1 is not met there
    expect(meeting.communes_meeting_primary_level1).toEqual([2, 3]);
    expect(meeting.communes_meeting_literacy_level1).toEqual([2, 3]);
    const levels = view.levels as Array<LevelResult & { communesMeeting: number }>;
    expect(levels.find((l) => l.level === 'primary_level1')!.shortfall[0]).toEqual(
      expect.objectContaining({
        kind: 'communes',
        share: 100,
        communesMeeting: 2,
        communes: 3,
        moreCommunes: 1,
      }),
    );
    const lit1 = levels.find((l) => l.level === 'literacy_level1')!;
    expect(lit1.met).toBe(false);
    expect(lit1.shortfall[0]).toEqual(
      expect.objectContaining({ kind: 'communes', share: 90, moreCommunes: 1 }),
    );
    expect(pairs(view.indicators).preschool5_attending).toEqual([19 + 9, 20 + 10]);
    // the province's set-based path and the commune's lineage path count alike
    const communeA = reportView(await currentA());
    const inProvince = (view.communes ?? []).find((c) => c.communeCode === A)!;
    expect(inProvince.population).toBe(communeA.persons);
    const count = (rule: string) => view.findings.find((x) => x.rule === rule && x.communeCode === A)?.count;
    expect(count('PCGD_ENROLMENT_IN_CLASS_NOT_ENROLLED')).toBe(EXPECTED[A].enrolment.inClassNotEnrolled);
    expect(count('PCGD_ENROLMENT_ENROLLED_NOT_IN_CLASS')).toBe(EXPECTED[A].enrolment.enrolledNotInClass);
    expect(count('PCGD_ENROLMENT_UNMATCHABLE')).toBe(EXPECTED[A].enrolment.unmatchable);
    expect(count('PCGD_ENROLMENT_MATCHED_BY_NAME')).toBe(EXPECTED[A].enrolment.matchedByName);
    expect(view.enrolment).toEqual(
      expect.objectContaining({ matchedByName: EXPECTED[A].enrolment.matchedByName }),
    );
  });

  it('lineage: every figure links to the persons behind it', async () => {
    const row = await currentA();
    const sel = lineageSelection('primary_grade1_entry_age6', ruleSetOf(deps.pcgd))!;
    const first = await createPcgdRepo(store.db).lineagePage(row.id, sel, { limit: 6 });
    const rest = await createPcgdRepo(store.db).lineagePage(row.id, sel, {
      limit: 6,
      after: first.at(-1)!.personRef,
    });
    const all = [...first, ...rest];
    expect(all).toHaveLength(10);
    expect(all.filter((r) => r.inNumerator)).toHaveLength(9);
    expect(all.every((r) => r.age === 6 && !r.changedSince)).toBe(true);
  });

  it('approve signs the package; the figures lock; verification fails after any change', async () => {
    const current = await computeA();
    const approved = await approveReport(deps, { reportId: current.id, actor: 'officer-27664' });
    expect(approved.status).toBe('approved');
    const ev = (await createPcgdRepo(store.db).evidence(approved.id))!;
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
    const dir = keys.path;
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
    await expect(computeReport(deps, { unitCode: A, year: YEAR, actor: 'test' })).rejects.toMatchObject({
      code: 'ERR_PCGD_REPORT_LOCKED',
    });
    await expect(
      store.db.query(`UPDATE truc.pcgd_reports SET figures = '{}' WHERE id = $1`, [approved.id]),
    ).rejects.toThrow(/locked/);
    await expect(
      store.db.query(`UPDATE truc.pcgd_reports SET status = 'computed' WHERE id = $1`, [approved.id]),
    ).rejects.toThrow(/lifecycle/);
    await expect(
      store.db.query(`DELETE FROM truc.pcgd_lineage WHERE report_id = $1`, [approved.id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      store.db.query(`UPDATE truc.pcgd_evidence SET package = 'x' WHERE report_id = $1`, [approved.id]),
    ).rejects.toThrow(/append-only/);
    await expect(approveReport(deps, { reportId: approved.id, actor: 'x' })).rejects.toMatchObject({
      code: 'ERR_PCGD_INVALID_TRANSITION',
    });
  });

  it('the workbook and the PDF are made from the signed package and show its numbers; the PDF is signed', async () => {
    const row = await approvedA();
    const ev = (await createPcgdRepo(store.db).evidence(row.id))!;
    const pkg = readPackage(ev.package);
    const { sheets, figures: fromSheets } = await workbookFigures(await xlsxFromPackage(ev.package));
    expect(sheets).toEqual(['Thông tin', 'Mầm non 5 tuổi', 'Tiểu học', 'THCS', 'Xóa mù chữ']);
    expect(fromSheets).toEqual(pairs(pkg.indicators));
    const signer = await signerFor(deps, A);
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
    const v2 = await reopenReport(deps, {
      reportId: approved.id,
      actor: 'city-admin',
      reason: 'sửa số liệu',
    });
    expect(v2.version).toBe(approved.version + 1);
    expect(v2.supersedes).toBe(approved.id);
    const old = (await createPcgdRepo(store.db).get(approved.id))!;
    expect(old.status).toBe('approved');
    expect(old.superseded_at).not.toBeNull();
    expect(old.reopen_reason).toBe('sửa số liệu');
    expect(await createPcgdRepo(store.db).evidence(approved.id)).toBeDefined();
    const actions = await store.db.query<{ action: string }>(
      `SELECT action FROM truc.audit_log WHERE action LIKE 'pcgd.%' ORDER BY seq`,
    );
    expect(actions.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['pcgd.computed', 'pcgd.approved', 'pcgd.reopened']),
    );
    expect((await verifyAudit(store.db)).ok).toBe(true);
  });

  it("province 79 from its communes' approved reports, as they were signed; then it can be approved", async () => {
    const repo = createPcgdRepo(store.db);
    const signed: Record<string, { id: number; persons: number }> = {};
    for (const code of [A, B, C]) {
      let row =
        (await repo.current(code, YEAR)) ??
        (await computeReport(deps, { unitCode: code, year: YEAR, actor: 'test' }));
      if (row.status === 'checked')
        row = await approveReport(deps, { reportId: row.id, actor: `officer-${code}` });
      expect(row.status).toBe('approved');
      signed[code] = { id: row.id, persons: row.persons };
    }
    // a survey record of A changes after A's approval: the province keeps A's signed figures
    // (put back when the province is computed, so A's hand count holds for tests that run later)
    const original = PersonSchema.parse(PERSONS.find((p) => p.communeCode === A)!);
    const putPerson = (p: typeof original) =>
      createRecordsRepo(store.db).upsert(
        'persons',
        [{ key: p.personRef, scope: A, data: p, fingerprint: fingerprint(p) }],
        { system: 'moet-pcgd', mappingVersion: 'moet-pcgd/persons@1' },
      );
    await putPerson(PersonSchema.parse({ ...original, movedAway: true }));
    const row = await computeReport(deps, { unitCode: '79', year: YEAR, actor: 'test' }).finally(() =>
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
    const approved = await approveReport(deps, { reportId: row.id, actor: 'officer-79' });
    const pkg = readPackage((await repo.evidence(approved.id))!.package);
    // the province's package names each commune's signed package
    expect(pkg.lineage.digests[A]).toBe((await repo.evidence(signed[A]!.id))!.package_sha256);
    expect(pkg.communes?.find((c) => c.communeCode === A)?.source?.reportId).toBe(signed[A]!.id);
  });

  it('an unknown unit and a unit without persons are clear errors that change nothing', async () => {
    await expect(computeReport(deps, { unitCode: '99999', year: YEAR, actor: 't' })).rejects.toMatchObject({
      code: 'ERR_PCGD_UNKNOWN_UNIT',
    });
    await expect(computeReport(deps, { unitCode: '25750', year: YEAR, actor: 't' })).rejects.toMatchObject({
      code: 'ERR_PCGD_NO_PERSONS',
    });
    const n = await store.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.pcgd_reports WHERE unit_code = '25750'`,
    );
    expect(n.rows[0]!.n).toBe(0);
  });
});
