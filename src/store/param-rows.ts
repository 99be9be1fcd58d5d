/**
 * Rows made of a statement's array parameters (issue 7, perf10b).
 */

/**
 * SQL of a subquery (give it an alias) whose rows are made of array parameters by set-returning functions in its
 * target list, one column each (`['key', 'unnest($1::text[])']`). They run in lockstep, the rows as a
 * `ROWS FROM (…)` or a many-argument `unnest(…)` in a FROM list makes them (a shorter array padded with NULLs), but
 * each array is read as the rows are made, where a function in a FROM list first copies all its rows into a
 * tuplestore of its own (PostgreSQL 15, `FunctionScan`). A changed 1000-student chunk's `UPDATE` (7 arrays, the
 * records' JSON one of them) ~3 % less of PostgreSQL's CPU; 4 text arrays of 1000 alone 0.59 → 0.40 ms.
 */
export function paramRows(columns: readonly (readonly [name: string, fn: string])[]): string {
  return `(SELECT ${columns.map(([name, fn]) => `${fn} AS ${name}`).join(', ')})`;
}
