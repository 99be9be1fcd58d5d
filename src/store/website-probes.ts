/**
 * School websites (issue 8): the websites the hub holds for schools, the last probe of each, and the
 * probe's findings put on the school record's verdict (`truc.quality_records`), which scorecards
 * count. Rows only; the probe is src/adapters/website, the rules src/quality.
 */
import type { Queryable } from './db.js';
import type { VerdictFinding } from './quality.js';

/** The last probe of a school's website. */
export interface WebsiteProbeRow {
  readonly schoolCode: string;
  readonly website: string;
  readonly probedAt: Date;
  readonly answered: boolean;
  readonly httpStatus?: number | undefined;
  readonly rss: boolean;
  readonly problem?: string | undefined;
}

/** The batch id of a verdict the website probe made before any batch judged the school. */
const PROBE_BATCH = '00000000-0000-0000-0000-000000000000';

/** The schools' websites and their last probes. */
function probeRows(q: Queryable) {
  return {
    /** Schools the hub holds (not deleted) with a website, by school code. */
    async schoolWebsites(): Promise<{ schoolCode: string; website: string }[]> {
      const res = await q.query<{ code: string; website: string }>(
        `SELECT school_code AS code, data ->> 'website' AS website FROM truc.schools
          WHERE deleted_at IS NULL AND coalesce(data ->> 'website', '') <> ''
          ORDER BY school_code`,
      );
      return res.rows.map((r) => ({ schoolCode: r.code, website: r.website }));
    },
    /** Replaces the last probe of these schools (one statement). */
    async save(rows: readonly WebsiteProbeRow[]): Promise<void> {
      if (rows.length === 0) return;
      await q.query(
        `INSERT INTO truc.website_probes (school_code, website, probed_at, answered, http_status, rss, problem)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[], $5::int[], $6::boolean[], $7::text[])
         ON CONFLICT (school_code) DO UPDATE SET website = EXCLUDED.website, probed_at = EXCLUDED.probed_at,
           answered = EXCLUDED.answered, http_status = EXCLUDED.http_status, rss = EXCLUDED.rss,
           problem = EXCLUDED.problem`,
        [
          rows.map((r) => r.schoolCode),
          rows.map((r) => r.website),
          rows.map((r) => r.probedAt),
          rows.map((r) => r.answered),
          rows.map((r) => r.httpStatus ?? null),
          rows.map((r) => r.rss),
          rows.map((r) => r.problem ?? null),
        ],
      );
    },
    /** The last probe of these schools, by school code (one query). */
    async probesOf(codes: readonly string[]): Promise<Map<string, WebsiteProbeRow>> {
      const res = await q.query<{
        school_code: string;
        website: string;
        probed_at: Date;
        answered: boolean;
        http_status: number | null;
        rss: boolean;
        problem: string | null;
      }>(`SELECT * FROM truc.website_probes WHERE school_code = ANY($1::text[])`, [codes]);
      return new Map(
        res.rows.map((r) => [
          r.school_code,
          {
            schoolCode: r.school_code,
            website: r.website,
            probedAt: r.probed_at,
            answered: r.answered,
            httpStatus: r.http_status ?? undefined,
            rss: r.rss,
            problem: r.problem ?? undefined,
          },
        ]),
      );
    },
  };
}

/** The findings of the last probe, kept as the school's website verdict. */
function probeFindings(q: Queryable) {
  return {
    /**
     * Puts each school's website findings on its school record's verdict, replacing the findings of
     * `rules` it had (one statement); a school no batch has judged yet gets a verdict of its own.
     */
    async setWebsiteFindings(
      rules: readonly string[],
      checkedAt: Date,
      findings: ReadonlyMap<string, readonly VerdictFinding[]>,
    ): Promise<void> {
      if (findings.size === 0) return;
      await q.query(
        `INSERT INTO truc.quality_records AS r (entity, record_key, school_code, accepted, checked_at, batch_id, findings)
         SELECT 'schools', v.code, v.code, true, $1, $2, v.findings
           FROM unnest($3::text[], $4::jsonb[]) AS v(code, findings)
         ON CONFLICT (entity, record_key) DO UPDATE SET findings = (
           SELECT coalesce(jsonb_agg(f), '[]'::jsonb) FROM jsonb_array_elements(r.findings) f
            WHERE NOT (f ->> 'rule' = ANY($5::text[]))
         ) || EXCLUDED.findings`,
        [
          checkedAt,
          PROBE_BATCH,
          [...findings.keys()],
          [...findings.values()].map((f) => JSON.stringify(f)),
          rules,
        ],
      );
    },
  };
}

export function createWebsiteProbesRepo(q: Queryable) {
  return { ...probeRows(q), ...probeFindings(q) };
}
