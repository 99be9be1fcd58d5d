/**
 * What writing a changed vendor batch costs PostgreSQL under other shapes of the students' store (issue 7, the changed
 * re-push's ≥ 0.5 × COPY), against a COPY of the same rows in the same round (not part of `npm test`):
 *
 *   npx tsx test/bench/lib/store-shapes.ts [rounds=5] [batches=20]
 *
 * A fresh migrated database; `batches` schools of 1000 bench students (their twin keys as truc computes them). Each
 * round, for each shape in turn: a binary COPY of the changed rows (every status date changed, as the ingest bench's
 * changed re-push) into a fresh table shaped like `truc.students` (`LIKE … INCLUDING ALL`), timed by its backend's CPU
 * (/proc/<pid>/schedstat); then the shape's tables made afresh, the unchanged rows COPYed into them, and the changed
 * rows written 1000 a statement (autocommit), the records sent as truc sends them (one JSON array, a binary
 * parameter), timed the same way; a first round unmeasured (warm-up). No trigger, check or other statement (but in the
 * change feed's shapes). The shapes are listed in ./store-shapes-list.ts; besides the stores of another kind, the
 * students' table today with one thing changed: its birth date a plain column (no generated column computed), truc's
 * whole `SET` list (every column written, the same values but the record's), the change feed's UPDATE trigger, a
 * second copy of today's run later in the round (what the order in a round does), and the record split off a narrow
 * row of the indexed columns that a changed record leaves untouched. Per
 * shape: the median CPU a 1000 rows, the COPY's in the same rounds, the median of the rounds' ratios COPY/shape
 * (≥ 1: cheaper than COPY), the share of its updates that were HOT and its first table's heap pages a 1000 rows as
 * seeded. SHAPES_ONLY=<name prefix,…> runs some; SHAPES_FF=<fill factor,…> the in-place shapes' fill factors (default
 * 75,50,100); SHAPES_SOURCE_FP=1 seeds the rows with a source fingerprint, as a pulled record's (the city's rows, ~70
 * bytes wider than a vendor's); SHAPES_AGAIN=1 writes the same rows changed a second time right after the first and
 * reports that write apart (a table's second full change: the rows the first moved off their pages). SHAPES_EXPLAIN=1
 * prints instead, per shape, the WAL, WAL records and full-page images of its first ten statements (EXPLAIN (ANALYZE,
 * BUFFERS, WAL)). SHAPES_WITHOUT=1 adds a shape in place at fillfactor 75 (SHAPES_WITHOUT_FF) without each secondary
 * index in turn, and with `(school_code)` in place of `(school_code, student_code)`: what each index costs the write.
 * SHAPES_FEED=1 adds the change feed's trigger with its function's keys ordered in the database's collation (as
 * migration 480), bytewise, unordered, and a function that does nothing (what capturing the transition tables costs).
 * SHAPES_STAGE=1 (perf36) adds today's write in a transaction of its own, through a COPYed temporary staging table
 * (`ON COMMIT DELETE ROWS` made once a session, or `ON COMMIT DROP` each transaction) and one `UPDATE … FROM` it, and as
 * a `MERGE` (./store-shapes-list.ts `stageShapes`; not under SHAPES_EXPLAIN, which skips the staged ones).
 */
import { randomBytes } from 'node:crypto';
import type { Student } from '../../../src/canonical/student.js';
import { twinKey } from '../../../src/quality/rules/sach-duplicates.js';
import { binaryCopy, type CopyColumn } from '../../../src/store/copy-binary.js';
import { createPgDb, type Db } from '../../../src/store/db.js';
import { fingerprint } from '../../../src/store/records.js';
import { migratedTemplate, PG_ADMIN_URL } from '../../helpers/env.js';
import { schedCpu } from './cpu.js';
import { spreadOf } from './pg-baselines.js';
import { changedStatusDate, studentBatches } from './students.js';
import { like, SHAPES, WIDE_ALL, type Shape } from './store-shapes-list.js';
import { adminQuery } from './truc-env.js';

interface Row {
  key: string;
  scope: string;
  personalId: string | null;
  json: Buffer;
  fingerprint: string;
  twinKey: string | null;
  birthDate: string;
}

const rowsOf = (records: readonly Student[]): Row[] =>
  records.map((r) => ({
    key: r.studentCode,
    scope: r.schoolCode,
    personalId: r.personalId ?? null,
    json: Buffer.from(JSON.stringify(r)),
    fingerprint: fingerprint(r),
    twinKey: twinKey(r) ?? null,
    birthDate: r.birthDate,
  }));

/** A column's values for a binary COPY (src/store/copy-binary.ts). */
function copyColumn(c: string, rows: readonly Row[]): CopyColumn {
  const text = (f: (r: Row) => string | null): CopyColumn => ({ text: rows.map(f) });
  if (c === 'data') return { jsonb: rows.map((r) => r.json) };
  if (c === 'source_system') return { same: 'bench' };
  if (c === 'mapping_version') return { same: 'canonical@1' };
  const fields: Record<string, (r: Row) => string | null> = {
    student_code: (r) => r.key,
    school_code: (r) => r.scope,
    personal_id: (r) => r.personalId,
    fingerprint: (r) => r.fingerprint,
    twin_key: (r) => r.twinKey,
    birth_date: (r) => r.birthDate,
    source_fp: (r) => r.fingerprint,
  };
  return text(fields[c]!);
}

async function copyInto(db: Db, table: string, cols: readonly string[], rows: readonly Row[]): Promise<void> {
  const data = binaryCopy(
    rows.length,
    cols.map((c) => copyColumn(c, rows)),
  );
  await db.tx((q) => q.copyIn!(`COPY ${table} (${cols.join(', ')}) FROM STDIN (FORMAT binary)`, data));
}

/** jsonb's binary input form of the rows' records as one JSON array (as src/store/records.ts sends them). */
const jsonArray = (rows: readonly Row[]): Buffer =>
  Buffer.concat([
    Buffer.from([1, 0x5b]),
    ...rows.flatMap((r, i) => (i ? [Buffer.from(','), r.json] : [r.json])),
    Buffer.from(']'),
  ]);
const params = (rows: readonly Row[]): unknown[] => [
  rows.map((r) => r.key),
  jsonArray(rows),
  rows.map((r) => r.fingerprint),
];
const chunks = (rows: readonly Row[]): Row[][] =>
  Array.from({ length: Math.ceil(rows.length / 1000) }, (_, i) => rows.slice(i * 1000, i * 1000 + 1000));

/** Backend CPU seconds `fn` cost on `db` (a pool of one connection, whose backend is `pid`). */
async function cpuOf(pid: number, fn: () => Promise<unknown>): Promise<number> {
  const c0 = schedCpu(pid);
  await fn();
  return schedCpu(pid) - c0;
}

/** The shape's tables made afresh and seeded with `rows` (unmeasured). */
async function prepare(db: Db, s: Shape, rows: readonly Row[]): Promise<void> {
  for (const t of s.tables) await db.query(`DROP TABLE IF EXISTS ${t.name}`);
  for (const q of s.ddl) await db.query(q);
  for (const t of s.tables) await copyInto(db, t.name, t.seedCols, rows);
}

/** Heap pages of the shape's first table a 1000 rows (after its seed). */
async function pagesOf(db: Db, s: Shape, rows: number): Promise<number> {
  if (!s.tables.length) return 0;
  const r = await db.query<{ bytes: string }>(`SELECT pg_relation_size($1) AS bytes`, [s.tables[0]!.name]);
  return (Number(r.rows[0]!.bytes) / 8192 / rows) * 1000;
}

/** Updates and HOT updates of the shape's tables so far (statistics flushed first). */
async function updateCounts(db: Db, s: Shape): Promise<{ upd: number; hot: number }> {
  await db.query('SELECT pg_stat_force_next_flush()');
  const r = await db.query<{ upd: number; hot: number }>(
    `SELECT coalesce(sum(n_tup_upd), 0)::int AS upd, coalesce(sum(n_tup_hot_upd), 0)::int AS hot
       FROM pg_stat_user_tables WHERE relname = ANY($1::text[])`,
    [s.tables.map((t) => t.name)],
  );
  return r.rows[0]!;
}

const share = (c: { upd: number; hot: number }, before = { upd: 0, hot: 0 }): string => {
  const upd = c.upd - before.upd;
  return upd ? `${(((c.hot - before.hot) / upd) * 100).toFixed(0)} %` : '—';
};

interface Explained {
  Plan: { 'WAL Bytes'?: number; 'WAL Records'?: number; 'WAL FPI'?: number };
  'Execution Time': number;
  Triggers?: { 'Trigger Name': string; Time: number }[];
}

async function explain(db: Db, s: Shape, parts: readonly Row[][]): Promise<void> {
  let wal = 0;
  let records = 0;
  let fpi = 0;
  let exec = 0;
  let trig = 0;
  const some = parts.slice(0, 10);
  for (const part of some) {
    const r = await db.query<{ 'QUERY PLAN': Explained[] }>(
      `EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) ${s.sql}`,
      params(part),
    );
    const e = r.rows[0]!['QUERY PLAN'][0]!;
    const p = e.Plan;
    exec += e['Execution Time'];
    trig += (e.Triggers ?? []).reduce((a, t) => a + t.Time, 0);
    wal += p['WAL Bytes'] ?? 0;
    records += p['WAL Records'] ?? 0;
    fpi += p['WAL FPI'] ?? 0;
  }
  const n = some.length;
  console.log(
    `${s.name}: a 1000 rows WAL ${(wal / n / 1024).toFixed(0)} kB, ${(records / n).toFixed(0)} records, ${(fpi / n).toFixed(1)} full-page images, execution ${(exec / n).toFixed(1)} ms (triggers ${(trig / n).toFixed(1)})`,
  );
}

interface Measured {
  cpu: number[];
  copy: number[];
  hot: string;
  pages: number;
  /** SHAPES_AGAIN=1: the same rows changed a second time (another status date), right after. */
  again: number[];
  hotAgain: string;
}

interface Round {
  copy: number;
  cpu: number;
  hot: string;
  pages: number;
  again: number;
  hotAgain: string;
}

/** One round of one shape: the COPY baseline, then the shape's write (twice with SHAPES_AGAIN=1); CPU seconds of each. */
async function round(
  db: Db,
  pid: number,
  s: Shape,
  rows: Row[],
  changed: Row[],
  again: Row[],
): Promise<Round> {
  await db.query('DROP TABLE IF EXISTS s_copy');
  await db.query(like('s_copy', 100)[0]!);
  const copy = await cpuOf(pid, () => copyInto(db, 's_copy', WIDE_ALL, changed));
  await db.query('DROP TABLE s_copy');
  await prepare(db, s, rows);
  const pages = await pagesOf(db, s, rows.length);
  const write = (changes: Row[]) => {
    const parts = chunks(changes).map(params);
    const staged = chunks(changes).map((part) =>
      binaryCopy(part.length, [
        copyColumn('student_code', part),
        copyColumn('data', part),
        copyColumn('fingerprint', part),
      ]),
    );
    const { stage } = s;
    return cpuOf(pid, async () => {
      if (stage)
        for (const data of staged)
          await db.tx(async (q) => {
            await q.query(stage.ddl);
            await q.copyIn!(`COPY ${stage.table} (key, data, fp) FROM STDIN (FORMAT binary)`, data);
            await q.query(s.sql);
          });
      else if (s.tx) for (const p of parts) await db.tx((q) => q.query(s.sql, p));
      else for (const p of parts) await db.query(s.sql, p);
    });
  };
  const cpu = await write(changed);
  const first = await updateCounts(db, s);
  if (!again.length) return { copy, cpu, hot: share(first), pages, again: 0, hotAgain: '—' };
  const cpuAgain = await write(again);
  return {
    copy,
    cpu,
    hot: share(first),
    pages,
    again: cpuAgain,
    hotAgain: share(await updateCounts(db, s), first),
  };
}

function report(measured: Map<string, Measured>, batches: number): void {
  const ms = (s: number) => ((s / batches) * 1000).toFixed(1);
  console.log(
    'shape | PostgreSQL CPU ms a 1000 rows | COPY ms (same rounds) | COPY / shape (median of rounds) | HOT | heap pages a 1000 rows' +
      (process.env.SHAPES_AGAIN === '1' ? ' | changed again: CPU ms a 1000 rows | HOT' : ''),
  );
  for (const [name, m] of measured) {
    const ratios = m.cpu.map((c, i) => m.copy[i]! / c);
    console.log(
      `${name} | ${ms(spreadOf(m.cpu).median)} | ${ms(spreadOf(m.copy).median)} | ` +
        `${spreadOf(ratios).median.toFixed(3)} (${ratios.map((r) => r.toFixed(2)).join(', ')}) | ${m.hot} | ${m.pages.toFixed(0)}` +
        (process.env.SHAPES_AGAIN === '1' ? ` | ${ms(spreadOf(m.again).median)} | ${m.hotAgain}` : ''),
    );
  }
}

async function compare(db: Db, rounds: number, batches: number): Promise<void> {
  const records = studentBatches(batches, 1000, 'truc-bench-store-shapes').flatMap((b) => b.records);
  const rows = rowsOf(records);
  const changed = rowsOf(records.map((r) => ({ ...r, statusDate: changedStatusDate() })));
  const again =
    process.env.SHAPES_AGAIN === '1'
      ? rowsOf(records.map((r) => ({ ...r, statusDate: changedStatusDate().replace(/-04$/, '-05') })))
      : [];
  const only = process.env.SHAPES_ONLY?.split(',');
  const shapes = SHAPES.filter((s) => !only || only.some((o) => s.name.startsWith(o)));
  const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  if (process.env.SHAPES_EXPLAIN === '1') {
    for (const s of shapes.filter((x) => !x.stage)) {
      await prepare(db, s, rows);
      await explain(db, s, chunks(changed));
    }
    return;
  }
  const measured = new Map<string, Measured>();
  for (let r = 0; r <= rounds; r++) {
    for (const s of shapes) {
      const x = await round(db, pid, s, rows, changed, again);
      if (r === 0) continue; // warm-up
      const m = measured.get(s.name) ?? {
        cpu: [],
        copy: [],
        hot: x.hot,
        pages: x.pages,
        again: [],
        hotAgain: x.hotAgain,
      };
      m.cpu.push(x.cpu);
      m.copy.push(x.copy);
      m.again.push(x.again);
      measured.set(s.name, m);
    }
  }
  report(measured, batches);
}

async function main(): Promise<void> {
  const [rounds = 5, batches = 20] = process.argv.slice(2).map(Number);
  const name = `truc_bench_shapes_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${await migratedTemplate()}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const db = createPgDb(u.toString(), 'postgres', { max: 1 });
  try {
    await compare(db, rounds, batches);
  } finally {
    await db.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

await main();
