/** The `pcgd` section of the configuration: PCGD-XMC reporting. */
import { z } from 'zod';
import { monthDay, percent } from './common.js';
import { PCGD_LEVELS, type PcgdLevelName } from './names.js';

const communeCodes = z.array(
  z
    .string()
    .regex(
      /^\d{5}$/,
      'phải là mã xã 5 chữ số (QĐ 19/2025) / must be a 5-digit commune code (of the 2025 reform)',
    ),
);

/**
 * PCGD-XMC reporting (issue 10). Every setting marked OURS in PCGD-RULES.md is here, with the rule
 * set's default; `src/reporting/pcgd/settings.ts` says which ones are unverified.
 */
export const PcgdSchema = z
  .object({
    /** Version of the counting rules (PCGD-RULES.md). */
    ruleSet: z.literal('pcgd-2014.1').default('pcgd-2014.1'),
    /** OURS: age = report year − birth year (`birth-year`), or the age reached on `ageOnDate` (MM-DD) of the report year. */
    ageRule: z.enum(['birth-year', 'on-date']).default('birth-year'),
    ageOnDate: monthDay.default('12-31'),
    /** OURS, unverified: remove persons with a disability from every numerator and denominator. */
    excludeDisabledFromDenominators: z.boolean().default(false),
    /** Unverified (Decree 20/2014 Đ15 not read): lower-secondary level 2 diploma thresholds. */
    lowerSecondaryLevel2: z
      .object({ normal: percent.default(90), difficult: percent.default(80) })
      .strict()
      .prefault({}),
    /** OURS: the decree's province rule (share of districts) applied to communes, per level. */
    provinceShares: z
      .object(
        Object.fromEntries(PCGD_LEVELS.map((l) => [l, percent.optional()])) as Record<
          PcgdLevelName,
          z.ZodOptional<typeof percent>
        >,
      )
      .strict()
      .prefault({}),
    /** Especially difficult (ĐBKK) communes per report year (Prime Minister's decisions). */
    difficultCommunes: z
      .record(
        z
          .string()
          .regex(
            /^\d{4}$/,
            'phải là năm 4 chữ số, dạng 2026:27676,27664;2027:27676 / ' +
              'must be a 4-digit year, in the form 2026:27676,27664;2027:27676',
          ),
        communeCodes,
      )
      .default({}),
    /** Validation rules on the figures (severities in src/reporting/pcgd/validate.ts). */
    validation: z
      .object({
        /** Cohort of age a this year vs age a−1 last year: relative difference that raises a warning. */
        cohortTolerancePercent: z.number().positive().max(100).default(15),
        /** … only when the difference is at least this many persons. */
        cohortMinPersons: z.number().int().nonnegative().default(10),
        /** Ages compared (school ages). */
        cohortAges: z.tuple([z.number().int().min(1), z.number().int().max(120)]).default([1, 18]),
        /** A rate moving more than this many percentage points from last year raises a warning. */
        swingPercentagePoints: z.number().positive().max(100).default(10),
      })
      .strict()
      .prefault({}),
    /**
     * Signing of the evidence package: a PKCS#12 file per unit (the default: a profile that does not choose
     * never signs with a certificate truc made up, review28 F9), or a generated self-signed one (demo, tests).
     */
    signing: z
      .object({
        mode: z.enum(['self-signed', 'pkcs12']).default('pkcs12'),
        /** Folder of `<unitCode>.p12` (pkcs12) or of the generated keys (self-signed); default `<dataDir>/pcgd-keys`. */
        dir: z.string().min(1).optional(),
        /** Password of the PKCS#12 files (TRUC_PCGD_P12_PASSWORD). */
        pkcs12Password: z.string().optional(),
        /** Organisation named in generated certificates (self-signed; the demo and test profiles mark theirs). */
        organisation: z.string().min(1).default('Sở Giáo dục và Đào tạo'),
      })
      .strict()
      .prefault({}),
    /**
     * The Ministry's calendar (Asia/Ho_Chi_Minh dates, MM-DD): the working year opens on `opensOn`
     * (Công văn 4862/BGDĐT-KHTC); communes submit before `communeSubmitBefore`, provinces before
     * `provinceSubmitBefore` (Circular 19/2020/TT-BGDĐT); a unit not yet submitted this many days
     * before its deadline is at risk (the deadline view).
     */
    calendar: z
      .object({
        opensOn: monthDay.default('09-01'),
        communeSubmitBefore: monthDay.default('10-03'),
        provinceSubmitBefore: monthDay.default('10-10'),
        atRiskDays: z.number().int().nonnegative().max(60).default(3),
      })
      .strict()
      .prefault({}),
    /** Delivery to the Ministry: how long a closed window that should be open is waited for, and attempts at most. */
    delivery: z
      .object({
        closedWindowRetrySeconds: z.number().int().positive().default(600),
        maxAttempts: z.number().int().positive().max(10_000).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type PcgdConfig = z.infer<typeof PcgdSchema>;
