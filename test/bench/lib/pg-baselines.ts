/**
 * Raw PostgreSQL write limits, measured on the same rows truc writes, into plain tables of the same
 * shape as `truc.students` (`LIKE … INCLUDING ALL`: same columns, primary key and indexes):
 *   - COPY FROM STDIN (PERFORMANCE 3b), through `psql` (pg-copy-streams is not installed);
 *   - one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE` per 1000 rows on one connection
 *     (3c/3d) — the same statement `src/store/records.ts` runs;
 *   - the same rows changed and written back in place by a bare `UPDATE … FROM unnest(…)` (`inPlaceUpdateRate`,
 *     the floor of a changed re-push);
 *   - the same changed rows written by the upsert above into a plain table already holding them (3d,
 *     `upsertOverStoredRate`).
 * One COPY run swings 30–69 k rows/s between quiet runs on the shared cores, so a bench that compares
 * against COPY takes several samples interleaved with what it measures (`copySampler`) and uses their
 * median, reporting their spread (`Spread`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Student } from '../../../src/canonical/student.js';
import type { Queryable } from '../../../src/store/db.js';
import { fingerprint } from '../../../src/store/records.js';
import { secondsSince } from './types.js';

/** A row of the students table, as truc's ingest would write it. */
export interface StudentRow {
  key: string;
  scope: string;
  personalId: string | null;
  json: string;
  fingerprint: string;
}

export function studentRows(records: readonly Student[]): StudentRow[] {
  return records.map((r) => ({
    key: r.studentCode,
    scope: r.schoolCode,
    personalId: r.personalId ?? null,
    json: JSON.stringify(r),
    fingerprint: fingerprint(r),
  }));
}

/** Creates `public.<name>` shaped like `truc.students` (empty). */
export async function createPlainTable(q: Queryable, name: string): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS public.${name}`);
  await q.query(`CREATE TABLE public.${name} (LIKE truc.students INCLUDING ALL)`);
}

export async function dropPlainTable(q: Queryable, name: string): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS public.${name}`);
}

const UPSERT = (table: string) => `
  INSERT INTO public.${table} (student_code, school_code, personal_id, data, fingerprint, source_system, mapping_version)
  SELECT *, $6::text, $7::text FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[])
  ON CONFLICT (student_code) DO UPDATE SET
    school_code = EXCLUDED.school_code, personal_id = EXCLUDED.personal_id,
    data = EXCLUDED.data, fingerprint = EXCLUDED.fingerprint,
    source_system = EXCLUDED.source_system, mapping_version = EXCLUDED.mapping_version,
    updated_at = now(), deleted_at = NULL`;

/** Upserts `rows` 1000 per statement (autocommit) on `q`; returns rows/s. */
export async function upsertRate(q: Queryable, table: string, rows: readonly StudentRow[]): Promise<number> {
  const sql = UPSERT(table);
  const started = performance.now();
  for (let i = 0; i < rows.length; i += 1000) {
    const part = rows.slice(i, i + 1000);
    await q.query(sql, [
      part.map((r) => r.key),
      part.map((r) => r.scope),
      part.map((r) => r.personalId),
      part.map((r) => r.json),
      part.map((r) => r.fingerprint),
      'bench',
      'canonical@1',
    ]);
  }
  return rows.length / secondsSince(started);
}

/**
 * PERFORMANCE 3d, "the same upsert over existing rows (all updates)": `rows` COPYed into a fresh plain table shaped
 * like `truc.students` (as P4's upsert baseline's, no storage parameter: fill factor 100), then `changed` (the same
 * keys, new data) written by the upsert of {@link upsertRate}, 1000 rows a statement (autocommit), one connection.
 * Returns the upserts' rows/s (only they are timed); every row is an update.
 */
export async function upsertOverStoredRate(
  q: Queryable,
  databaseUrl: string,
  rows: readonly StudentRow[],
  changed: readonly StudentRow[],
): Promise<number> {
  const table = 'bench_upsert_stored';
  await createPlainTable(q, table);
  try {
    await copyRate(databaseUrl, table, rows);
    return await upsertRate(q, table, changed);
  } finally {
    await dropPlainTable(q, table);
  }
}

const JSONB_V1 = Buffer.from([1]);

/**
 * The floor of a changed re-push (issue 7): `rows` COPYed into a fresh plain table shaped like `truc.students`, at
 * `truc.students`' own fill factor, then `changed` (the same keys, new data) written back in place by a bare
 * `UPDATE … FROM ROWS FROM (unnest(keys), jsonb_array_elements(data), unnest(fingerprints))` of the columns a changed
 * record changes, 1000 rows a statement (autocommit), one connection, the records sent as truc sends them (one JSON
 * array in a Buffer parameter, src/store/records.ts): no trigger, no check, no other statement. Returns the UPDATE's
 * rows/s (only the UPDATEs timed). Every design that keeps one row per student and rewrites it in place pays at least
 * this. The rows carry no twin key (`studentRows`), so each sits in the birth-date index instead of the twin-key ones:
 * one index entry a row either way.
 */
export async function inPlaceUpdateRate(
  q: Queryable,
  databaseUrl: string,
  rows: readonly StudentRow[],
  changed: readonly StudentRow[],
): Promise<number> {
  const table = 'bench_in_place';
  await createPlainTable(q, table);
  try {
    const ff = await q.query<{ opt: string }>(
      `SELECT opt FROM pg_class, unnest(reloptions) AS opt
        WHERE oid = 'truc.students'::regclass AND opt LIKE 'fillfactor=%'`,
    );
    if (ff.rows[0]) await q.query(`ALTER TABLE public.${table} SET (${ff.rows[0].opt})`);
    await copyRate(databaseUrl, table, rows);
    const sql = `UPDATE public.${table} s SET data = v.data, fingerprint = v.fp, updated_at = now()
      FROM ROWS FROM (unnest($1::text[]), jsonb_array_elements($2::jsonb), unnest($3::text[])) AS v(key, data, fp)
     WHERE s.student_code = v.key`;
    const params: unknown[][] = [];
    for (let i = 0; i < changed.length; i += 1000) {
      const part = changed.slice(i, i + 1000);
      params.push([
        part.map((r) => r.key),
        // jsonb's binary form: its version (1), then the text.
        Buffer.concat([JSONB_V1, Buffer.from(`[${part.map((r) => r.json).join(',')}]`)]),
        part.map((r) => r.fingerprint),
      ]);
    }
    const started = performance.now();
    for (const p of params) await q.query(sql, p);
    return changed.length / secondsSince(started);
  } finally {
    await dropPlainTable(q, table);
  }
}

/** Several samples of a baseline: their median (the baseline used) and their spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/** The median (mean of the two middle ones when even), min and max of `samples` (at least one). */
export function spreadOf(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('spreadOf: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples: [...samples] };
}

/** A COPY baseline taken several times: each `sample()` COPYs `rows` into a fresh plain table. */
export interface CopySampler {
  /** One more COPY of the rows (a fresh table, dropped after); returns its rows/s. */
  sample(): Promise<number>;
  /** The samples so far (at least one must have been taken). */
  spread(): Spread;
}

export function copySampler(
  q: Queryable,
  databaseUrl: string,
  rows: readonly StudentRow[],
  table = 'bench_copy',
): CopySampler {
  const samples: number[] = [];
  return {
    async sample() {
      await createPlainTable(q, table);
      try {
        const rate = await copyRate(databaseUrl, table, rows);
        samples.push(rate);
        return rate;
      } finally {
        await dropPlainTable(q, table);
      }
    },
    spread: () => spreadOf(samples),
  };
}

/** COPY text-format escaping of one field. */
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** One row as a line of COPY's text format. */
const copyLine = (r: StudentRow): string =>
  [r.key, r.scope, r.personalId, r.json, r.fingerprint, 'bench', 'canonical@1'].map(copyField).join('\t');

/**
 * COPYs `rows` into `public.<table>` through psql (one COPY, one transaction); returns rows/s. The rows
 * are written to a temporary file first, 1000 lines at a time (one string of every row would not fit in
 * a JavaScript string at city size, 1.7 M students), and psql reads it as its stdin: only the COPY is timed.
 */
export async function copyRate(
  databaseUrl: string,
  table: string,
  rows: readonly StudentRow[],
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'truc-bench-copy-'));
  const file = join(dir, 'rows.tsv');
  try {
    const out = createWriteStream(file);
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = `${rows
        .slice(i, i + 1000)
        .map(copyLine)
        .join('\n')}\n`;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const sql = `COPY public.${table} (student_code, school_code, personal_id, data, fingerprint, source_system, mapping_version) FROM STDIN`;
    const input = await open(file, 'r');
    try {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', sql], {
          stdio: [input.fd, 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`psql COPY exited ${code}: ${err.slice(0, 300)}`)),
        );
      });
      return rows.length / secondsSince(started);
    } finally {
      await input.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
