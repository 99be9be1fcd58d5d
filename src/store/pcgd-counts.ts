/**
 * PCGD-XMC counting over stored persons: the set-based counting SQL (one aggregate statement per unit,
 * never a loop over people), the lineage of a commune report and the enrolment join. The counting rules
 * themselves are data in src/reporting/pcgd/indicators.ts; this file only translates each person flag to SQL.
 * The report lifecycle rows are in ./pcgd.ts.
 *
 * Lineage `flags` bits: 0–6 the person flags in PERSON_FLAGS order (has a class, grade 1–12,
 * completed preschool / primary / lower secondary, literate level ≥ 1, literate level 2), then
 * 7 = surveyed in a class but enrolled nowhere, 8 = enrolled but surveyed out of school, 9 = cannot
 * be matched to enrolment (no personal ID and no parent's name), 10 = matched to enrolment by name +
 * birth date + a parent's name (the second pass), not by personal ID.
 *
 * The enrolment join (issue 10): a counted person is matched to an enrolled student by the 12-digit
 * personal ID first; a person and a student left unmatched by ID are then matched by normalised full
 * name (NFC by the canonical schema, compared case-insensitively) + birth date + one parent's name
 * (father = father, mother = mother or guardian = guardian), never when both carry different IDs.
 */
import type { Queryable } from './db.js';
import {
  ageRowOf,
  countingParams,
  enrolledCountsSql,
  factsCountsSql,
  LINEAGE_COUNTS,
  lineageSql,
  type AgeRow,
  type CountingOptions,
  type EnrolmentFlag,
  type RawAgeRow,
  unreadCountsSql,
} from './pcgd-counting-sql.js';

/** Persons of a commune's population with a field truc could not read, at one age (null: unknown). */
export interface UnreadRow {
  communeCode: string;
  field: string;
  age: number | null;
  persons: number;
}

export interface LineageRecord {
  personRef: string;
  communeCode: string;
  age: number;
  inNumerator: boolean;
  /** The person's record changed (or was removed) since the report was computed. */
  changedSince: boolean;
  householdNo: string | null;
  fullName: string | null;
  birthDate: string | null;
}

/** One part of a lineage digest: persons aged from..to; `numeratorBit` marks those in the numerator. */
export interface DigestSpec {
  key: string;
  ages: readonly [number, number];
  numeratorBit: number;
}

/** The counted persons of communes: per age, the mapping versions that wrote them, the communes that have any. */
function personCounts(q: Queryable) {
  return {
    /**
     * Counts of the counted persons per commune and age over truc.persons, for a province: one
     * aggregate statement over the persons' facts, and one over the enrolled students for the
     * enrolment join (the benchmark's measured work).
     */
    /** The population's persons with unread fields, per commune, field and age (unreadCountsSql). */
    async unreadCounts(o: CountingOptions, communes: readonly string[]): Promise<UnreadRow[]> {
      return (await q.query<UnreadRow>(unreadCountsSql(o), countingParams(o, communes, false))).rows;
    },

    async ageCounts(o: CountingOptions, communes: readonly string[]): Promise<AgeRow[]> {
      // Inside the caller's transaction: room to aggregate a province in memory.
      await q.query(`SET LOCAL work_mem = '64MB'`);
      const facts = await q.query<
        Omit<RawAgeRow, EnrolmentFlag> & { unmatchable: number; inClassMatchable: number }
      >(factsCountsSql(o), countingParams(o, communes, false));
      const enrolled = await q.query<{
        communeCode: string;
        age: number;
        enrolledInClass: number;
        enrolledNotInClass: number;
        matchedByName: number;
      }>(enrolledCountsSql(o), countingParams(o, communes, true));
      const byKey = new Map(enrolled.rows.map((r) => [`${r.communeCode}|${r.age}`, r]));
      return facts.rows.map((r) => {
        const e = byKey.get(`${r.communeCode}|${r.age}`);
        return ageRowOf({
          ...r,
          inClassNotEnrolled: r.inClassMatchable - (e?.enrolledInClass ?? 0),
          enrolledNotInClass: e?.enrolledNotInClass ?? 0,
          matchedByName: e?.matchedByName ?? 0,
        });
      });
    },
    /**
     * The mapping versions of the stored persons of these communes: a loose scan of the index on
     * (commune_code, mapping_version), a few index probes per commune instead of reading every person.
     */
    async mappingVersions(communes: readonly string[]): Promise<string[]> {
      const res = await q.query<{ mv: string }>(
        `WITH RECURSIVE v AS (
           SELECT u.code, (SELECT min(p.mapping_version) FROM truc.persons p
                            WHERE p.commune_code = u.code AND p.deleted_at IS NULL) AS mv
             FROM unnest($1::text[]) AS u(code)
           UNION ALL
           SELECT v.code, (SELECT min(p.mapping_version) FROM truc.persons p
                            WHERE p.commune_code = v.code AND p.mapping_version > v.mv AND p.deleted_at IS NULL)
             FROM v WHERE v.mv IS NOT NULL)
         SELECT DISTINCT mv FROM v WHERE mv IS NOT NULL ORDER BY mv`,
        [communes],
      );
      return res.rows.map((r) => r.mv);
    },
    /** Communes (of `candidates`) that have stored persons. */
    async communesWithPersons(candidates: readonly string[]): Promise<string[]> {
      const res = await q.query<{ commune_code: string }>(
        `SELECT DISTINCT commune_code FROM truc.persons WHERE commune_code = ANY($1::text[]) AND deleted_at IS NULL`,
        [candidates],
      );
      return res.rows.map((r) => r.commune_code).sort();
    },
  };
}

/** A commune report's lineage: written with its counts, and digested per indicator. */
function lineageRows(q: Queryable) {
  return {
    /** Writes the lineage of a commune report (one INSERT … SELECT) and returns its counts per age. */
    async writeLineage(reportId: number, o: CountingOptions, communeCode: string): Promise<AgeRow[]> {
      await q.query(
        `INSERT INTO truc.pcgd_lineage (report_id, person_ref, commune_code, fingerprint, age, flags)
         SELECT $6::bigint, person_ref, commune_code, fingerprint, age, flags FROM (${lineageSql(o)}) c`,
        [...countingParams(o, [communeCode], true), reportId],
      );
      const res = await q.query<RawAgeRow>(LINEAGE_COUNTS, [reportId]);
      return res.rows.map(ageRowOf);
    },
    /**
     * sha-256 (hex) per spec over the lineage lines `person_ref:fingerprint:0|1` (1 = in the
     * numerator) of the persons in the spec's ages, ordered by person_ref (bytewise), joined by "\n";
     * plus `all` over every counted person (`person_ref:fingerprint:age:flags`).
     */
    async lineageDigests(reportId: number, specs: readonly DigestSpec[]): Promise<Record<string, string>> {
      const parts = specs.map(
        (s, i) =>
          `encode(sha256(convert_to(coalesce(string_agg(person_ref || ':' || fingerprint || ':' ||
             CASE WHEN (flags & ${s.numeratorBit}) <> 0 THEN '1' ELSE '0' END, E'\\n' ORDER BY person_ref COLLATE "C")
             FILTER (WHERE age BETWEEN ${s.ages[0]} AND ${s.ages[1]}), ''), 'UTF8')), 'hex') AS d${i}`,
      );
      const res = await q.query<Record<string, string>>(
        `SELECT encode(sha256(convert_to(coalesce(string_agg(person_ref || ':' || fingerprint || ':' || age || ':' || flags,
             E'\\n' ORDER BY person_ref COLLATE "C"), ''), 'UTF8')), 'hex') AS "all"${parts.length ? ',' : ''}
           ${parts.join(',\n')}
         FROM truc.pcgd_lineage WHERE report_id = $1`,
        [reportId],
      );
      const row = res.rows[0] ?? {};
      const out: Record<string, string> = { all: row.all ?? '' };
      specs.forEach((s, i) => (out[s.key] = row[`d${i}`] ?? ''));
      return out;
    },
  };
}

/** A report's lineage, page by page (the evidence API). */
function lineagePages(q: Queryable) {
  return {
    /**
     * A page of the persons behind a figure of a commune report: persons of the ages whose flags
     * include `requiredBit` (0 = all of the cohort), after `after` (person_ref), with whether they
     * are in the numerator, and their current survey record (name, birth date) for the officer.
     */
    async lineagePage(
      reportId: number,
      sel: { ages: readonly [number, number]; requiredBit: number; numeratorBit: number },
      page: { after?: string | undefined; limit: number },
    ): Promise<LineageRecord[]> {
      const res = await q.query<{
        person_ref: string;
        commune_code: string;
        age: number;
        in_numerator: boolean;
        changed: boolean;
        household_no: string | null;
        full_name: string | null;
        birth_date: string | null;
      }>(
        `SELECT l.person_ref, l.commune_code, l.age, (l.flags & $4) <> 0 AS in_numerator,
                (p.person_ref IS NULL OR p.deleted_at IS NOT NULL OR p.fingerprint <> l.fingerprint) AS changed,
                p.data->>'householdNo' AS household_no, p.data->>'fullName' AS full_name,
                p.data->>'birthDate' AS birth_date
           FROM truc.pcgd_lineage l LEFT JOIN truc.persons p ON p.person_ref = l.person_ref
          WHERE l.report_id = $1 AND l.age BETWEEN $2 AND $3 AND ($5::int = 0 OR (l.flags & $5) <> 0)
            AND ($6::text IS NULL OR l.person_ref COLLATE "C" > $6::text)
          ORDER BY l.person_ref COLLATE "C" LIMIT $7`,
        [
          reportId,
          sel.ages[0],
          sel.ages[1],
          sel.numeratorBit,
          sel.requiredBit,
          page.after ?? null,
          page.limit,
        ],
      );
      return res.rows.map((r) => ({
        personRef: r.person_ref,
        communeCode: r.commune_code,
        age: r.age,
        inNumerator: r.in_numerator,
        changedSince: r.changed,
        householdNo: r.household_no,
        fullName: r.full_name,
        birthDate: r.birth_date,
      }));
    },
  };
}

/** Counts, lineage and enrolment matching of the persons of PCGD-XMC reports (part of {@link createPcgdRepo}). */
export function createPcgdCountsRepo(q: Queryable) {
  return { ...personCounts(q), ...lineageRows(q), ...lineagePages(q) };
}
