/**
 * PCGD reports' figures on both engines (the same SQL on PGlite and PostgreSQL): the hand-computed fixture
 * (test/fixtures/pcgd/communes.ts), the enrolment join, the province roll-up and lineage. The lifecycle and its
 * locks (also in the database) and the signed package (truc's verifier and openssl): pcgd-report-lifecycle.test.ts;
 * the seeded store both use: test/helpers/pcgd-report-world.ts.
 */
import { describe, expect, it } from 'vitest';
import { communesOfProvince } from '../../src/canonical/codes/admin-units.js';
import { PersonSchema } from '../../src/canonical/person.js';
import type { LevelResult } from '../../src/reporting/pcgd/evaluate.js';
import {
  approveReport,
  lineageSelection,
  reportView,
  ruleSetOf,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { A, B, C, EXPECTED, PERSONS, YEAR } from '../fixtures/pcgd/communes.js';
import { metLevels, pairs, usePcgdReportWorld } from '../helpers/pcgd-report-world.js';

describe.each(['pglite', 'postgres'] as const)('PCGD reports on %s', (kind) => {
  const { w, reports, computeFresh, computeA, currentA } = usePcgdReportWorld(kind);

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
    const repo = createPcgdRepo(w.store.db);
    const sel = lineageSelection('inClassNotEnrolled', ruleSetOf(w.deps.pcgd))!;
    const listed = await repo.lineagePage(row.id, sel, { limit: 10 });
    expect(listed).toHaveLength(4);
    const byName = await repo.lineagePage(
      row.id,
      lineageSelection('matchedByName', ruleSetOf(w.deps.pcgd))!,
      {
        limit: 10,
      },
    );
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
    const records = createRecordsRepo(w.store.db);
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
    const excluding: PcgdDeps = {
      ...w.deps,
      pcgd: { ...w.deps.pcgd, excludeDisabledFromDenominators: true },
    };
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
    await createRecordsRepo(w.store.db).upsert(
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
    await expect(approveReport(w.deps, { reportId: row.id, actor: 'x' })).rejects.toMatchObject({
      code: 'ERR_PCGD_CHECK_FAILED',
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
    const sel = lineageSelection('primary_grade1_entry_age6', ruleSetOf(w.deps.pcgd))!;
    const first = await createPcgdRepo(w.store.db).lineagePage(row.id, sel, { limit: 6 });
    const rest = await createPcgdRepo(w.store.db).lineagePage(row.id, sel, {
      limit: 6,
      after: first.at(-1)!.personRef,
    });
    const all = [...first, ...rest];
    expect(all).toHaveLength(10);
    expect(all.filter((r) => r.inNumerator)).toHaveLength(9);
    expect(all.every((r) => r.age === 6 && !r.changedSince)).toBe(true);
  });
});
