/**
 * The evidence package of an approved report: canonical JSON (keys sorted at every level, UTF-8, no
 * insignificant white space) of its figures, levels, findings, rule set and lineage digests. The
 * bytes are what is signed; the forms (xlsx, PDF) are generated from these bytes, never from the
 * database, so they cannot differ from what was signed.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../audit/chain.js';

export const PACKAGE_FORMAT = 'truc.pcgd.package/1';

/** How the lineage digests were computed (stated in the package so anyone can recompute them). */
export const LINEAGE_ALGORITHM =
  'sha-256 (hex) of the lines "person_ref:fingerprint:n" (n = 1 when in the numerator) of the persons ' +
  'in the cohort, sorted bytewise by person_ref, joined by LF; "all": lines ' +
  '"person_ref:fingerprint:age:flags" of every counted person; fingerprint = sha-256 of the canonical person record. ' +
  "A province: per commune, the sha-256 of its approved report's signed package (or, computed from persons, " +
  'of the canonical JSON of its figures); "all": sha-256 of the canonical JSON of the communes\' figures';

/** One indicator's figures (also how the API shows them). */
export const IndicatorSchema = z.object({
  code: z.string(),
  numerator: z.number().int(),
  denominator: z.number().int(),
  rate: z.number().nullable(),
});
/** A report's headline figures, as signed here and as the API shows them. */
export const reportFigureFields = {
  mappingVersions: z.array(z.string()),
  persons: z.number().int(),
  indicators: z.array(IndicatorSchema),
};
/** A commune's own facts in a province's report, as signed here and as the API shows them. */
export const communeFactFields = {
  communeCode: z.string(),
  difficult: z.boolean(),
  population: z.number().int(),
};
const Level = z.object({ level: z.string(), met: z.boolean(), shortfall: z.array(z.unknown()) }).loose();

/** What a package holds (checked when a package is read back, e.g. to make the forms). */
export const PackageSchema = z
  .object({
    format: z.literal(PACKAGE_FORMAT),
    report: z.object({
      reportId: z.number().int(),
      unitCode: z.string(),
      unitLevel: z.enum(['commune', 'province']),
      unitName: z.string(),
      year: z.number().int(),
      version: z.number().int(),
      difficult: z.boolean().optional(),
      computedAt: z.string(),
      /** The actor id: an API client's id or `operator:cli:<name>`. */
      approvedBy: z.string(),
      /** Its display name (./approver.ts; fix32a: the PDF showed the client id); absent in older packages. */
      approvedByName: z.string().optional(),
      /** No other client bears that name (when false, the forms print the id beside it). */
      approvedByNameUnique: z.boolean().optional(),
      approvedAt: z.string(),
    }),
    ruleSet: z.object({
      version: z.string(),
      settingsDigest: z.string(),
      settings: z.record(z.string(), z.unknown()),
      unverified: z.array(z.object({ setting: z.string(), value: z.unknown(), why: z.unknown() }).loose()),
    }),
    ...reportFigureFields,
    levels: z.array(Level),
    communes: z
      .array(
        z.object({
          ...communeFactFields,
          indicators: z.array(IndicatorSchema),
          levels: z.array(z.object({ level: z.string(), met: z.boolean() })),
          /** The commune's signed report the figures were taken from; null: computed from persons. */
          source: z
            .object({
              reportId: z.number().int(),
              version: z.number().int(),
              packageSha256: z.string().nullable(),
            })
            .nullable()
            .optional(),
        }),
      )
      .optional(),
    findings: z.array(z.object({ rule: z.string(), severity: z.string() }).loose()),
    lineage: z.object({ algorithm: z.string(), digests: z.record(z.string(), z.string()) }),
  })
  .strict();
export type EvidencePackage = z.infer<typeof PackageSchema>;

/** The package's bytes: canonical JSON in UTF-8. */
export function packageBytes(pkg: EvidencePackage): Buffer {
  return Buffer.from(canonicalJson(PackageSchema.parse(pkg)), 'utf8');
}

/** Reads package bytes back (throws on anything that is not a package). */
export function readPackage(bytes: Uint8Array): EvidencePackage {
  return PackageSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
