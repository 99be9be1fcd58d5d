/**
 * Index arithmetic of the population: which school, grade, class and commune a record index falls
 * in, and its rank among records of the same birth year (for collision-free personal IDs). All O(1).
 */
import type { Grade } from '../../canonical/enums.js';
import { hcmcCommunes } from '../../canonical/codes/admin-units.js';
import { affinePermutation } from './ids.js';
import { mix32 } from './prng.js';

/** The 168 communes of province 79 (canonical 2025 list, in code order); commune indexes point into it. */
export const COMMUNES = hcmcCommunes();

export type GeneratedLevel = 'preschool' | 'primary' | 'lower_secondary' | 'upper_secondary';

/** Level of school i by i mod 20: 7 preschool, 6 primary, 4 lower and 3 upper secondary, interleaved. */
const LEVEL_PATTERN: readonly GeneratedLevel[] = (
  'primary preschool lower_secondary upper_secondary preschool primary preschool lower_secondary primary ' +
  'preschool upper_secondary preschool lower_secondary primary preschool lower_secondary primary ' +
  'upper_secondary preschool primary'
).split(' ') as GeneratedLevel[];
const LEVEL_OCCURRENCE: readonly number[] = LEVEL_PATTERN.map(
  (level, i) => LEVEL_PATTERN.slice(0, i).filter((l) => l === level).length,
);
const LEVEL_COUNT = (level: GeneratedLevel): number => LEVEL_PATTERN.filter((l) => l === level).length;

/** Grades taught per level. */
export const GRADES_OF: Record<GeneratedLevel, readonly Grade[]> = {
  preschool: ['nursery', 'kg3', 'kg4', 'kg5'],
  primary: ['1', '2', '3', '4', '5'],
  lower_secondary: ['6', '7', '8', '9'],
  upper_secondary: ['10', '11', '12'],
};

/** Age (calendar years, in the school year's first year) of an on-time pupil of each grade. */
export function ageOfGrade(grade: Grade): number {
  const preschool: Partial<Record<Grade, number>> = { nursery: 2, kg3: 3, kg4: 4, kg5: 5 };
  return preschool[grade] ?? 5 + Number(grade);
}

/** Residents' ages (0–60) weighted: small children 3, school age 1 (few out of school), adults 4. */
const RESIDENT_AGES: readonly number[] = (() => {
  const ages: number[] = [];
  for (let age = 0; age <= 60; age++) {
    const weight = age < 3 ? 3 : age < 18 ? 1 : 4;
    for (let w = 0; w < weight; w++) ages.push(age);
  }
  return ages
    .map((age, i) => ({ age, key: mix32(i * 2654435761) }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.age);
})();
const RESIDENT_OCCURRENCE = RESIDENT_AGES.map(
  (age, i) => RESIDENT_AGES.slice(0, i).filter((a) => a === age).length,
);
const RESIDENT_COUNT = (age: number): number => RESIDENT_AGES.filter((a) => a === age).length;

const COMMUNE_MULTIPLIERS = [5, 11, 13, 17, 19, 23, 25, 29, 31, 37, 41, 43];

/** Sizes and position arithmetic of one population. */
export function createLayout(seed: number, schools: number, spp: number, staffPerSchool: number) {
  const nCommunes = COMMUNES.length;
  const communePerm = affinePermutation(
    nCommunes,
    COMMUNE_MULTIPLIERS[seed % COMMUNE_MULTIPLIERS.length] as number,
    seed % nCommunes,
  );
  const levelOf = (s: number): GeneratedLevel => LEVEL_PATTERN[s % LEVEL_PATTERN.length] as GeneratedLevel;
  const sectionsOf = (level: GeneratedLevel): number =>
    Math.max(1, Math.ceil(spp / GRADES_OF[level].length / (level === 'preschool' ? 25 : 35)));

  return {
    levelOf,
    sectionsOf,
    /** Rank of school s among schools of its level. */
    levelRank(s: number): number {
      const level = levelOf(s);
      return Math.floor(s / LEVEL_PATTERN.length) * LEVEL_COUNT(level) + (LEVEL_OCCURRENCE[s % 20] as number);
    },
    /** Index into COMMUNES of school s (schools spread over all 168 communes). */
    communeOfSchool: (s: number): number => communePerm.forward(s % nCommunes),
    /** Commune index where a pupil of school s lives when not in the school's own commune. */
    awayCommuneOfSchool: (s: number): number => communePerm.forward((s + 1) % nCommunes),
    /** Residue r such that schools with s ≡ r (mod 168) lie in commune index c. */
    residueOfCommune: (c: number): number => communePerm.inverse(c),
    communeOfResident: (e: number): number => communePerm.forward(e % nCommunes),
    nCommunes,
    /** School, position in school, grade index, rank within grade and class index of student g. */
    locate(g: number) {
      const schoolIndex = Math.floor(g / spp);
      const k = g % spp;
      const level = levelOf(schoolIndex);
      const nGrades = GRADES_OF[level].length;
      const gradeIndex = k % nGrades;
      const j = Math.floor(k / nGrades);
      const sections = sectionsOf(level);
      const classIndex = gradeIndex * sections + (j % sections);
      return {
        schoolIndex,
        k,
        level,
        gradeIndex,
        classIndex,
        gradeRank: j,
        perGrade: Math.ceil(spp / nGrades),
      };
    },
    /**
     * Age and rank-among-same-age of resident e (persons beyond the students). Resident e lives in commune
     * `e mod 168`, as its j-th resident (j = ⌊e / 168⌋); its age is the j-th of the weighted age list from a
     * commune's own start, so every 196 residents of one commune hold every age 0–60 (pcgd14: by `e mod 196` a
     * commune's residents held 7 ages only, 168 and 196 sharing 28, and the demo's commune no 5-, 11- or
     * 14-year-old). (age, rank) stays one-to-one: a commune's round of 196 is one block of ranks.
     */
    resident(e: number): { age: number; rank: number } {
      const n = RESIDENT_AGES.length;
      const r = e % nCommunes;
      const j = Math.floor(e / nCommunes);
      const pos = (j + r) % n;
      const age = RESIDENT_AGES[pos] as number;
      const block = Math.floor(j / n) * nCommunes + r;
      return { age, rank: block * RESIDENT_COUNT(age) + (RESIDENT_OCCURRENCE[pos] as number) };
    },
    /** Age and rank-among-same-age of staff member t (ages 23–60, each once per block of 38). */
    staffAge(t: number): { age: number; rank: number } {
      return { age: 23 + ((t * 7 + 3) % 38), rank: Math.floor(t / 38) };
    },
    staffPerSchool,
  };
}

export type Layout = ReturnType<typeof createLayout>;
