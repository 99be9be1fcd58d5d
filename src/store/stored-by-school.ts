/**
 * Issue 7 (perf14): a vendor batch's stored rows with the live records of their schools (./records.ts
 * `existingWithLive`, what the mass-change guard weighs), for a batch of one school. The guard's count of the school's
 * live records already visits every row of the school (its (school, key) index, and the heap where the visibility map
 * does not spare it); the batch's own rows are read by that same scan and matched to its keys by one hash join,
 * instead of one primary-key probe a key (1000 descents a changed batch, ~3,000 buffer hits, against the school's
 * ~150). Only the keys not stored at the batch's school (new records, a student stored at another school) are probed
 * by the primary key, and those other schools counted as before. The same rows and counts as the read by keys.
 */
import type { EntityName } from '../config.js';
import { TABLES } from './record-tables.js';

/** Entities whose scope is the school with a (school, key) index (migrations 001, 1431): persons and schools are not. */
const BY_SCHOOL: ReadonlySet<EntityName> = new Set(['students', 'staff', 'classes']);

/**
 * From how many keys a batch's rows are read by its school's scan. The scan keeps every row of the school (each one's
 * fingerprint and sources) where the count alone kept none: for a few keys of a 1000-student school it costs more
 * than their probes (10 keys: 0.84–0.91 → 1.15–1.18 ms of PostgreSQL's CPU), for all of them less (1000: 3.32–3.37 →
 * 2.01–2.02 ms; perf14, load 27–30). At 500 keys a school of up to ~3,000 students costs no more read this way. A
 * school's first push (nothing stored) costs ~0.4 ms more a 1000 keys (its keys matched against an empty scan, then
 * probed), once a student.
 */
export const BY_SCHOOL_FROM = 500;

/** Whether {@link storedBySchoolSql} serves a batch of `entity` with `keys` keys. */
export const readsBySchool = (entity: EntityName, keys: number): boolean =>
  BY_SCHOOL.has(entity) && keys >= BY_SCHOOL_FROM;

/**
 * The statement ($1 the batch's keys, $2 its school): each stored row of a key with its school's live records
 * (`live`, null for none), as `existingWithLive` reads them.
 */
export function storedBySchoolSql(entity: EntityName): string {
  const t = TABLES[entity];
  const row = (r: string) =>
    `${r}.${t.key} AS key, ${r}.${t.scope} AS scope, ${r}.fingerprint, ${r}.deleted_at IS NOT NULL AS deleted,
     ${r}.source_fp AS "sourceFp", ${r}.source_system AS "sourceSystem"`;
  return `WITH s AS MATERIALIZED (SELECT ${row('r')} FROM ${t.table} r WHERE r.${t.scope} = $2::text),
     m AS MATERIALIZED (
       SELECT k.key, s.scope, s.fingerprint, s.deleted, s."sourceFp", s."sourceSystem"
         FROM unnest($1::text[]) k(key) LEFT JOIN s USING (key)),
     away AS (
       SELECT ${row('r')} FROM ${t.table} r
        WHERE r.${t.key} = ANY(ARRAY(SELECT m.key FROM m WHERE m.scope IS NULL))),
     e AS (SELECT * FROM m WHERE m.scope IS NOT NULL UNION ALL SELECT * FROM away),
     c AS (
       SELECT $2::text AS scope, (count(*) FILTER (WHERE NOT s.deleted))::int AS n FROM s
       UNION ALL
       SELECT a.scope, n.n FROM (SELECT DISTINCT scope FROM away) a,
              LATERAL (SELECT count(*)::int AS n FROM ${t.table} x
                        WHERE x.${t.scope} = a.scope AND x.deleted_at IS NULL) n)
   SELECT e.*, nullif(c.n, 0) AS live FROM e LEFT JOIN c ON c.scope = e.scope`;
}
