/**
 * The quality engine's settings and their defaults. Every number here that the city or the law sets
 * is configuration (the `quality` section of `config/*.yaml`); where the docs found no source the
 * default is truc's own and says so.
 */
import type { EntityName } from '../canonical/entities.js';

/** How a finding weighs: `error` rejects the record, `warning` accepts and flags, `info` only informs. */
export type Severity = 'error' | 'warning' | 'info';

/** Per entity, rule code → the severity the city wants ('off' switches the rule off). */
export type QualityPolicy = Readonly<
  Partial<Record<EntityName | '*', Readonly<Record<string, Severity | 'off'>>>>
>;

export interface QualityConfig {
  /**
   * How far a student's age may be from the nominal age of the grade (grade 1 in the calendar year
   * the child turns 6, DOMAIN §1.3 [NF] for the exact rule): younger / older, in years. truc's own
   * defaults: repeating, late entry and the older entry ages allowed to minority and disabled pupils
   * make "older" wider.
   */
  readonly ageTolerance: { readonly younger: number; readonly older: number };
  /** Youngest age a staff member may have, in years (truc's own default). */
  readonly staffMinAge: number;
  /**
   * Retirement age by sex, in whole years. Default: the end of the Labour Code 2019 Art. 169 roadmap
   * (62 men, 60 women); not in DOMAIN.md — set the year's ages (the roadmap adds 3 or 4 months a year).
   * The end values are the lenient choice: nobody is flagged before they are certainly past it.
   */
  readonly retirementAge: { readonly male: number; readonly female: number };
  /** E-mail domains of official school addresses; a subdomain counts (the city's rule). */
  readonly officialEmailDomains: readonly string[];
  /**
   * Required fields per entity beyond the canonical schema; `a|b` means at least one of them.
   * Missing ones are DU_REQUIRED_FIELD findings.
   */
  readonly requiredFields: Readonly<Partial<Record<EntityName, readonly string[]>>>;
  /** Values that mean "nothing" (compared without case, diacritics, spaces or punctuation). */
  readonly placeholders: readonly string[];
  /** Age in days after which a school's last successful sync from a system is stale. truc's own default. */
  readonly syncMaxAgeDays: number;
  /**
   * The year's deadlines as MM-DD in the school year's first calendar year: rollover (kết chuyển)
   * and start-of-year master data. In 2024 the city set 13 and 20 September (issue 8); set each year's.
   */
  readonly deadlines: { readonly rollover: string; readonly masterData: string };
  /** Fields that must be complete by the master-data deadline, per entity (`a|b` = one of them). */
  readonly masterDataFields: Readonly<Partial<Record<EntityName, readonly string[]>>>;
  /** Severity overrides per entity ('*' for all). */
  readonly policy: QualityPolicy;
}

export const DEFAULT_QUALITY_CONFIG: QualityConfig = Object.freeze({
  ageTolerance: { younger: 1, older: 3 },
  staffMinAge: 18,
  retirementAge: { male: 62, female: 60 },
  officialEmailDomains: ['hcm.edu.vn', 'moet.edu.vn', 'tphcm.gov.vn'],
  requiredFields: {
    students: ['grade', 'residenceCommuneCode', 'fatherName|motherName|guardianName'],
    staff: ['phone|email'],
  },
  placeholders: [
    'x',
    'xx',
    'xxx',
    'xxxx',
    'khong',
    'khongco',
    'kco',
    'ko',
    'chuaco',
    'chuacapnhat',
    'khongro',
    'na',
    'null',
    'none',
    'undefined',
    'test',
    'abc',
    'asd',
    'aaa',
    'noname',
    'unknown',
    '0',
    '00',
    '000',
    '0000',
    '00000',
    '',
  ],
  syncMaxAgeDays: 7,
  deadlines: { rollover: '09-13', masterData: '09-20' },
  masterDataFields: {
    students: ['classCode', 'grade', 'personalId'],
    classes: ['homeroomStaffCode'],
  },
  policy: {},
});
