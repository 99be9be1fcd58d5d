import { describe, expect, it } from 'vitest';
import { hcmcCommunes } from '../../../src/canonical/codes/admin-units.js';
import type { Sex } from '../../../src/canonical/enums.js';
import type { Student } from '../../../src/canonical/student.js';
import { createPopulation, DISCREPANCY_KINDS } from '../../../src/simulators/population/index.js';

const OLD_PROVINCES = new Set(
  '001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096'.split(
    ' ',
  ),
);
const HCMC_CODES = new Set(hcmcCommunes().map((c) => c.code));

/** DOMAIN §3.1: digit 4 = century + sex, digits 5–6 = birth year. */
function idMatches(id: string, sex: Sex, birthDate: string): boolean {
  const year = Number(birthDate.slice(0, 4));
  const g = Number(id[3]);
  const century = 1900 + Math.floor(g / 2) * 100;
  return (
    /^\d{12}$/.test(id) &&
    OLD_PROVINCES.has(id.slice(0, 3)) &&
    (g % 2 === 0 ? 'male' : 'female') === sex &&
    century === Math.floor(year / 100) * 100 &&
    id.slice(4, 6) === birthDate.slice(2, 4)
  );
}

const ageOf = (grade: string): number =>
  ({ nursery: 2, kg3: 3, kg4: 4, kg5: 5 })[grade as 'kg3'] ?? 5 + Number(grade);

describe('population', () => {
  const pop = createPopulation({ seed: 'truc', schools: 60, studentsPerSchool: 120, staffPerSchool: 12 });

  it('is deterministic in the seed and differs between seeds', () => {
    const again = createPopulation({ seed: 'truc', schools: 60, studentsPerSchool: 120, staffPerSchool: 12 });
    const other = createPopulation({
      seed: 'other',
      schools: 60,
      studentsPerSchool: 120,
      staffPerSchool: 12,
    });
    for (const i of [0, 17, 4321, 7199]) {
      expect(again.student(i)).toEqual(pop.student(i));
      expect(again.person(i + 7200)).toEqual(pop.person(i + 7200));
      expect(other.student(i).fullName + other.student(i).personalId).not.toBe(
        pop.student(i).fullName + pop.student(i).personalId,
      );
    }
    expect(again.staff(100)).toEqual(pop.staff(100));
    expect(again.school(59)).toEqual(pop.school(59));
  });

  // How cheap that is, is measured by the benchmark (`npm run bench -- sim-hcm-csdl-stream`), not here.
  it('reaches any record directly: the last of 1.7 million students without building the others', () => {
    const big = createPopulation({ seed: 1, schools: 4250, studentsPerSchool: 400 });
    expect(big.counts.students).toBe(1_700_000);
    const last = big.student(1_699_999);
    expect(last.schoolCode).toBe(big.school(4249).schoolCode);
    expect(big.studentIndexOf(last.studentCode)).toBe(1_699_999);
    expect(() => big.student(1_700_000)).toThrow(RangeError);
  });

  it('gives schools in province 79 with real commune codes, unique reversible codes and a level mix', () => {
    const codes = new Set<string>();
    const levels = new Map<string, number>();
    for (let s = 0; s < 60; s++) {
      const school = pop.school(s);
      expect(school.schoolCode).toMatch(/^79\d{6}$/);
      expect(HCMC_CODES.has(school.communeCode)).toBe(true);
      expect(school.name).toMatch(/^(Trường (Mầm non|Tiểu học|THCS|THPT)) \S/u);
      expect(pop.schoolIndexOf(school.schoolCode)).toBe(s);
      codes.add(school.schoolCode);
      levels.set(school.level, (levels.get(school.level) ?? 0) + 1);
    }
    expect(codes.size).toBe(60);
    expect(Object.fromEntries(levels)).toEqual({
      preschool: 21,
      primary: 18,
      lower_secondary: 12,
      upper_secondary: 9,
    });
    expect(HCMC_CODES.size).toBe(168);
  });

  it('gives personal IDs consistent with sex and birth year, birth years consistent with grade', () => {
    for (let g = 0; g < pop.counts.students; g += 3) {
      const st = pop.trueStudent(g);
      expect(idMatches(st.personalId!, st.sex, st.birthDate), st.personalId).toBe(true);
      const age = 2025 - Number(st.birthDate.slice(0, 4));
      expect([ageOf(st.grade!), ageOf(st.grade!) + 1]).toContain(age);
      if (st.status === 'repeating') expect(age).toBe(ageOf(st.grade!) + 1);
    }
    for (let t = 0; t < pop.counts.staff; t += 5) {
      const s = pop.staff(t);
      expect(idMatches(s.personalId!, s.sex, s.birthDate)).toBe(true);
    }
    for (let i = pop.counts.students; i < pop.counts.persons; i += 7) {
      const p = pop.person(i);
      if (p.personalId) expect(idMatches(p.personalId, p.sex, p.birthDate)).toBe(true);
      const age = 2025 - Number(p.birthDate.slice(0, 4));
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThanOrEqual(60);
    }
  });

  it("gives a commune's residents every age 0–60 in each 196 of them (pcgd14: 7 ages by e mod 196)", () => {
    const many = createPopulation({
      seed: 'truc',
      schools: 10,
      studentsPerSchool: 20,
      extraPersons: 168 * 200,
    });
    for (const code of [many.school(3).communeCode, hcmcCommunes()[100]!.code]) {
      const ages = new Set<number>();
      let residents = 0;
      for (const { index, person } of many.personsOfCommune(code)) {
        if (index < many.counts.students) continue;
        ages.add(2025 - Number(person.birthDate.slice(0, 4)));
        if (++residents === 196) break;
      }
      expect(residents).toBe(196);
      expect([...ages].sort((a, b) => a - b)).toEqual(Array.from({ length: 61 }, (_, age) => age));
    }
    // Still one personal ID per person past a commune's first round of ages.
    const ids = new Set<string>();
    let withId = 0;
    for (let i = many.counts.students; i < many.counts.persons; i++) {
      const id = many.person(i).personalId;
      if (id === undefined) continue;
      ids.add(id);
      withId++;
    }
    expect(ids.size).toBe(withId);
  });

  it('never gives two people the same personal ID', () => {
    const seen = new Set<string>();
    let count = 0;
    const add = (id: string | undefined) => {
      if (id === undefined) return;
      seen.add(id);
      count++;
    };
    for (let g = 0; g < pop.counts.students; g++) add(pop.trueStudent(g).personalId);
    for (let i = pop.counts.students; i < pop.counts.persons; i++) add(pop.person(i).personalId);
    for (let t = 0; t < pop.counts.staff; t++) add(pop.staff(t).personalId);
    expect(seen.size).toBe(count);
  });

  it('the child is the same person in the survey and in the school systems', () => {
    for (let i = 0; i < pop.counts.students; i += 11) {
      const truth = pop.trueStudent(i);
      const person = pop.person(i);
      expect(person).toMatchObject({
        personalId: truth.personalId,
        fullName: truth.fullName,
        birthDate: truth.birthDate,
        sex: truth.sex,
        ethnicityCode: truth.ethnicityCode,
        communeCode: truth.residenceCommuneCode,
      });
      if (pop.discrepancyOf(i) === undefined) expect(pop.student(i)).toEqual(truth);
      expect(truth.fullName).toBe(truth.fullName.normalize('NFC'));
      expect(truth.fullName.split(' ').length).toBeGreaterThanOrEqual(3);
    }
  });

  it('mostly Kinh, with Hoa and other minorities', () => {
    const counts = new Map<string, number>();
    for (let g = 0; g < pop.counts.students; g++) {
      const code = pop.trueStudent(g).ethnicityCode;
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    const share = (code: string) => (counts.get(code) ?? 0) / pop.counts.students;
    expect(share('01')).toBeGreaterThan(0.88);
    expect(share('04')).toBeGreaterThan(0.02);
    expect(counts.size).toBeGreaterThan(3);
  });

  it('lists persons of a commune completely, in index order, resumable', () => {
    const small = createPopulation({ seed: 3, schools: 400, studentsPerSchool: 5, extraPersons: 3000 });
    const code = small.school(7).communeCode;
    const expected: number[] = [];
    for (let i = 0; i < small.counts.persons; i++) if (small.person(i).communeCode === code) expected.push(i);
    const listed = [...small.personsOfCommune(code)].map((x) => x.index);
    expect(listed).toEqual(expected);
    const middle = expected[Math.floor(expected.length / 2)]!;
    expect([...small.personsOfCommune(code, middle)].map((x) => x.index)).toEqual(
      expected.filter((i) => i > middle),
    );
  });

  it('injects discrepancies at the configured rate, each one observable', () => {
    const dirty = createPopulation({ seed: 9, schools: 50, studentsPerSchool: 400, discrepancyRate: 0.05 });
    const kinds = new Map<string, number>();
    for (let g = 0; g < dirty.counts.students; g++) {
      const kind = dirty.discrepancyOf(g);
      if (!kind) continue;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const truth = dirty.trueStudent(g);
      const held = dirty.studentRecordsAt(g);
      checkDiscrepancy(kind, truth, held);
    }
    const total = [...kinds.values()].reduce((a, b) => a + b, 0);
    expect(total / dirty.counts.students).toBeGreaterThan(0.04);
    expect(total / dirty.counts.students).toBeLessThan(0.06);
    expect([...kinds.keys()].sort()).toEqual([...DISCREPANCY_KINDS].sort());
    const clean = createPopulation({ seed: 9, schools: 5, discrepancyRate: 0 });
    for (let g = 0; g < clean.counts.students; g++) expect(clean.discrepancyOf(g)).toBeUndefined();
  });

  it('classes cover every student and name the homeroom teacher', () => {
    const s = 1; // preschool in the level pattern
    const classCodes = new Set([...pop.classesOfSchool(s)].map((c) => c.classCode));
    expect(classCodes.size).toBe(pop.classCount(s));
    for (const st of pop.studentsOfSchool(s)) expect(classCodes.has(st.classCode!)).toBe(true);
    expect(pop.classOf(s, 0)).toMatchObject({ schoolYear: '2025-2026', grade: 'nursery', name: 'Nhà trẻ 1' });
    expect(pop.classOf(0, 0).homeroomStaffCode).toMatch(/^NV-79\d{6}-\d{3}$/);
  });

  it('students have parents or a guardian and mostly a contact phone; schools official contacts', () => {
    const students = Array.from({ length: 2000 }, (_, g) => pop.trueStudent(g));
    const withParent = students.filter((s) => s.fatherName ?? s.motherName ?? s.guardianName);
    expect(withParent.length).toBe(students.length);
    const fathers = students.filter((s) => s.fatherName !== undefined);
    expect(fathers.length / students.length).toBeGreaterThan(0.85);
    // The father carries the child's family name.
    for (const s of fathers) expect(s.fatherName!.split(' ')[0]).toBe(s.fullName.split(' ')[0]);
    expect(students.filter((s) => s.guardianName).length).toBeGreaterThan(0);
    const phones = students.filter((s) => s.phone !== undefined);
    expect(phones.length / students.length).toBeGreaterThan(0.9);
    for (const s of phones) expect(s.phone).toMatch(/^0[3-9]\d{8}$/);
    const hosts = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const school = pop.school(i);
      expect(school.officialEmail).toMatch(/^[a-z0-9]+@hcm\.edu\.vn$/);
      expect(school.website).toBe(`https://${school.officialEmail!.split('@')[0]}.hcm.edu.vn`);
      hosts.add(school.website!);
    }
    expect(hosts.size).toBe(60);
  });
});

function checkDiscrepancy(kind: string, truth: Student, held: Student[]): void {
  const [h] = held;
  expect(held.length).toBe(kind === 'duplicate_record' ? 2 : 1);
  switch (kind) {
    case 'name_typo':
      expect(h!.fullName).not.toBe(truth.fullName);
      break;
    case 'nfd_text':
      expect(h!.fullName).not.toBe(truth.fullName);
      expect(h!.fullName.normalize('NFC').replace(/ {2}/g, ' ')).toBe(truth.fullName);
      break;
    case 'stale_status':
      expect(h!.status).toBe('studying');
      expect(['dropped_out', 'transferred_out']).toContain(truth.status);
      break;
    case 'missing_personal_id':
      expect(h!.personalId).toBeUndefined();
      break;
    case 'wrong_sex_digit':
      expect(idMatches(h!.personalId!, h!.sex, h!.birthDate)).toBe(false);
      break;
    case 'duplicate_record':
      expect(held[1]!.studentCode).not.toBe(h!.studentCode);
      expect(held[1]!.personalId).toBe(h!.personalId);
      break;
  }
}
