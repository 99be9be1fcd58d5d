/** The `quality` section of the configuration: the data-quality engine's settings (src/quality reads them). */
import { z } from 'zod';
import { deepFreeze, isoDate, monthDay, percent, timeZone } from './common.js';
import { ENTITY_NAMES } from './names.js';

const ENTITY_OR_ALL = z.enum([...ENTITY_NAMES, '*']);
const RULE_CODE = z
  .string()
  .regex(/^(DUNG|DU|SACH|SONG)_[A-Z0-9_]+$/, 'a rule code (DUNG_…, DU_…, SACH_…, SONG_…)');
const fieldSpecs = z.partialRecord(
  z.enum(ENTITY_NAMES),
  z.array(z.string().regex(/^[a-zA-Z]+(\|[a-zA-Z]+)*$/, 'field or a|b')),
);
const DEFAULT_PLACEHOLDERS = [
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
];

/**
 * The data-quality engine (issue 8). Numbers the city or the law sets are settings here; where no
 * source was found the default is truc's own and the comment says so (config/default.yaml repeats them).
 */
export const QualitySchema = z
  .object({
    /**
     * The city's policy: per entity ('*' = all), rule code → severity ('error' rejects the record,
     * 'warning' accepts and flags, 'info', 'off'). Rules not named keep their catalogue severity. A finding
     * resting on another school's records refuses no record a school's side sent (src/quality/sender-view.ts).
     */
    policy: z
      .partialRecord(ENTITY_OR_ALL, z.record(RULE_CODE, z.enum(['error', 'warning', 'info', 'off'])))
      .default({}),
    /** Scorecard colour bands on the pass ratio, in percent: ≥ green is green, ≥ yellow yellow, below red (a commonly cited band: 90 / 75). */
    colourBands: z
      .object({ green: percent.default(90), yellow: percent.default(75) })
      .strict()
      .refine((b) => b.yellow <= b.green, 'yellow must not be above green')
      .prefault({}),
    /**
     * The year's deadlines: rollover (kết chuyển) and start-of-year master data complete. `rollover` and
     * `masterData` are MM-DD in the school year's first calendar year (2024: 13 and 20 September, set by
     * the city each year); `byYear` pins exact dates for a school year ('2024-2025': { rollover: 2024-09-13 }).
     */
    deadlines: z
      .object({
        rollover: monthDay.default('09-13'),
        masterData: monthDay.default('09-20'),
        byYear: z
          .record(
            z.string().regex(/^\d{4}-\d{4}$/, 'a school year YYYY-YYYY'),
            z.object({ rollover: isoDate.optional(), masterData: isoDate.optional() }).strict(),
          )
          .default({}),
      })
      .strict()
      .prefault({}),
    /** Days after which a school's last successful sync from a system is stale (truc's own default). */
    syncMaxAgeDays: z.number().int().positive().max(366).default(7),
    /**
     * Retirement age by sex, whole years. Default: the end of the Labour Code 2019 Art. 169 roadmap
     * (62 men, 60 women) — lenient: nobody is flagged before they are certainly past it; set the year's ages.
     */
    retirementAge: z
      .object({
        male: z.number().int().min(40).max(80).default(62),
        female: z.number().int().min(40).max(80).default(60),
      })
      .strict()
      .prefault({}),
    /**
     * Schools a quality run scores in one transaction (fix37c): its progress (`schools.scored`) advances by this many at
     * most, and a run that dies resumes after its last slice committed. Each slice reads only its schools' verdicts
     * (migration 1442). truc's own default.
     */
    runSliceSchools: z.number().int().min(1).max(10_000).default(100),
    /** Youngest age of a staff member, years (truc's own default). */
    staffMinAge: z.number().int().min(14).max(30).default(18),
    /**
     * Years a pupil may be younger / older than the grade's nominal age (grade 1 the year the child
     * turns 6). truc's own defaults; "older" is wider for repeaters, late entry, minority and disabled pupils.
     */
    ageTolerance: z
      .object({
        younger: z.number().int().min(0).max(5).default(1),
        older: z.number().int().min(0).max(10).default(3),
      })
      .strict()
      .prefault({}),
    /** E-mail domains of official school addresses (a subdomain counts). */
    officialEmailDomains: z
      .array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a lower-case domain'))
      .min(1)
      .default(['hcm.edu.vn', 'moet.edu.vn', 'tphcm.gov.vn']),
    /** Fields the city requires per entity beyond the schema (`a|b` = at least one of them). */
    requiredFields: fieldSpecs.default({
      students: ['grade', 'residenceCommuneCode', 'fatherName|motherName|guardianName'],
      staff: ['phone|email'],
    }),
    /** Fields complete by the start-of-year master-data deadline, per entity (`a|b` = one of them). */
    masterDataFields: fieldSpecs.default({
      students: ['classCode', 'grade', 'personalId'],
      classes: ['homeroomStaffCode'],
    }),
    /** Values that mean "nothing" (compared without case, diacritics, spaces or punctuation). */
    placeholders: z.array(z.string().max(40)).max(500).default(DEFAULT_PLACEHOLDERS),
    /**
     * The schools' website probe (sống: every school keeps a live website with an RSS feed, a city
     * requirement): when it runs (a cron pattern in `tz`; '' = never), how long one request may take,
     * how many sites at once, the user agent it names itself with, and whether private and loopback
     * addresses may be probed (tests, an intranet). truc's own defaults: nightly at 02:30, 10 s, 4 sites.
     */
    websiteProbe: z
      .object({
        cron: z.string().max(100).default('30 2 * * *'),
        tz: timeZone.default('Asia/Ho_Chi_Minh'),
        timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        concurrency: z.number().int().min(1).max(32).default(4),
        userAgent: z.string().min(1).max(200).default('truc-website-probe/1 (So GD&DT; data-quality check)'),
        allowPrivateNetworks: z.boolean().default(false),
        /** The longest robots.txt Crawl-delay honoured; a site asking for more is not probed beyond its robots.txt. */
        maxCrawlDelayMs: z.number().int().min(0).max(300_000).default(30_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type QualitySettings = z.infer<typeof QualitySchema>;
/** The quality section's defaults (what `quality: {}` parses to). */
export const DEFAULT_QUALITY_SETTINGS: QualitySettings = deepFreeze(QualitySchema.parse({}));
