/**
 * School years order the writes of a record kept as one row whatever its school year (students: one record per
 * code; ./record-tables.ts `yearOrdered`; review23, year24): a record of an earlier school year than the stored
 * row's (live or a tombstone) does not overwrite it, from any source — a vendor (or a school's own system) not
 * rolled over yet sends last year's record after truc holds this year's. Compared in the write statement itself
 * (./record-writes.ts `upsert`: `UPDATE … WHERE`, `ON CONFLICT DO UPDATE … WHERE`), so PostgreSQL checks it again on
 * the newest row version once it holds the row, as it does the arrival order (./word-arrival.ts): a later year
 * written by a transaction that committed after the statement's snapshot still stops it. School years are
 * 'YYYY-YYYY' codes (the canonical schema's): compared as bytes (`COLLATE "C"`, no locale's rules), which is their
 * order; a row or record without one is not ordered (written as before).
 */
import { paramRows } from './param-rows.js';

/** SQL boolean: the stored row `row`'s school year is later than `year` (SQL text; NULL: none). */
function laterYear(row: string, year: string): string {
  return `coalesce((${row}.data ->> 'schoolYear') COLLATE "C" > ${year}, false)`;
}

/** SQL boolean: the stored row `row`'s school year is later than that of the record `data` (SQL jsonb). */
export function laterYearHeld(row: string, data: string): string {
  return laterYear(row, `(${data} ->> 'schoolYear')`);
}

/** SQL boolean: the record `data` (SQL jsonb) may overwrite the stored row `row`: its school year is not earlier. */
export function notEarlierYear(row: string, data: string): string {
  return `NOT ${laterYearHeld(row, data)}`;
}

/**
 * SQL query of one text[] value, never NULL: of a statement's records (`keys`, SQL text[]; `years`, SQL text[] of
 * their school years in the same order), the keys whose stored row holds a later school year, as the statement's
 * snapshot shows them. Meant behind a `CASE` that asks only when the statement left some rows (a scalar subquery is
 * run only when its branch is taken). A row a transaction committed after that snapshot moved to a later year is
 * not among them (a vendor batch counts it left to a newer word, which it is; a pull's update of stored rows fails,
 * and its page is fetched and written again: ./record-writes.ts).
 */
export function laterYearKeys(table: string, key: string, keys: string, years: string): string {
  const n = paramRows([
    ['key', `unnest(${keys})`],
    ['year', `unnest(${years})`],
  ]);
  return `(SELECT coalesce(array_agg(n.key), '{}') FROM ${n} AS n
            CROSS JOIN LATERAL (SELECT 1 FROM ${table} x
                                 WHERE x.${key} = n.key AND ${laterYear('x', 'n.year')} LIMIT 1) h)`;
}
