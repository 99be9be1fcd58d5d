/**
 * What a first-sync page costs PostgreSQL's disk side as the students table grows (issue 7, the city):
 * WAL bytes, full-page images, buffers read, dirtied and written by the backend, per page. Counts, not
 * times: they do not move with the machine's load. Not a bench module, not part of npm test.
 *
 *   BENCH_PGS_CAPTURE=/tmp/ins.json BENCH_PGS_STUDENTS=30000 npx tsx test/bench/lib/pg-statements.ts
 *   LAB_FILE=/tmp/ins.json LAB_N=0,300000,1700000 LAB_VARIANTS=base,sql:/tmp/x.sql npx tsx test/bench/lib/city-lab.ts
 *
 * Per size N and variant: a fresh migrated database `truc_city8_lab_<random>`, the variant's SQL, then N
 * students made from the captured rows (keys, personal IDs and birth dates spread as a city's are: random
 * positions in their indexes; schools in order, 680 a school; the change feed's triggers off), a CHECKPOINT,
 * then the captured first-sync INSERTs replayed in order, each page in its own transaction under
 * EXPLAIN (ANALYZE, BUFFERS, WAL): per page its WAL (bytes, records, FPIs), shared buffers (hit, read,
 * dirtied, written), execution and COMMIT wall ms. LAB_CHECKPOINT_EVERY=k: a CHECKPOINT every k pages
 * (default 0: one before the first page only).
 * Prints per page and the means; the table's heap and index sizes. LAB_KEEP=1 keeps the database (drop it).
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createPgDb } from '../../../src/store/db.js';
import { migrate } from '../../../src/store/migrate.js';
import { revive, type Captured } from './statement-spy.js';
import { adminQuery as admin } from './truc-env.js';

interface PageCost {
  walBytes: number;
  walRecords: number;
  fpi: number;
  hit: number;
  read: number;
  dirtied: number;
  written: number;
  execMs: number;
  commitMs: number;
  triggerMs: number;
}

async function fill(c: pg.Client, n: number, captured: Captured[]): Promise<void> {
  // The captured rows as a template (no indexes, no triggers).
  await c.query(`CREATE TABLE truc.lab_tpl (LIKE truc.students INCLUDING DEFAULTS)`);
  for (const s of captured)
    await c.query(
      s.sql.replace('INSERT INTO truc.students', 'INSERT INTO truc.lab_tpl'),
      s.params.map(revive),
    );
  await c.query(
    `CREATE TABLE truc.lab_tpl_n AS SELECT (row_number() OVER (ORDER BY student_code) - 1)::int AS i, * FROM truc.lab_tpl`,
  );
  // The permutation's offset: the first captured key is the population's first student.
  const offset = Number((captured[0]!.params[0] as string).replace(/^\{"?7/, '').slice(0, 9));
  const tpl = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM truc.lab_tpl_n')).rows[0]!.n);
  await c.query(`SET session_replication_role = replica`);
  const chunk = 100_000;
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk) - 1;
    // Keys: the simulator's own permutation of the population index (g from 40,000 on: the captured pages
    // hold the first ones), so stored and replayed keys interleave as in a run; schools in order, 680 a
    // school; personal IDs
    // keep the template's first six digits (province, century and sex, birth year), the rest random;
    // twin keys: a random birth date over 12 years and the template's name key.
    await c.query(
      `INSERT INTO truc.students (student_code, school_code, personal_id, data, fingerprint, source_fp, twin_key,
                                  source_system, mapping_version)
       SELECT '7' || lpad(((g * 48271 + $4) % 1000000000)::text, 9, '0'), '6' || lpad((g / 680)::text, 7, '0'),
              substr(t.personal_id, 1, 6) || lpad(((g * 7919 + 13) % 1000000)::text, 6, '0'),
              t.data, t.fingerprint, t.source_fp,
              (date '2008-01-01' + ((g * 31337) % 4400)::int)::text || substr(t.twin_key, 11),
              t.source_system, t.mapping_version
         FROM generate_series($1::bigint, $2::bigint) g JOIN truc.lab_tpl_n t ON t.i = g % $3`,
      [40_000 + from, 40_000 + to, tpl, offset],
    );
  }
  await c.query(`SET session_replication_role = origin`);
  await c.query('DROP TABLE truc.lab_tpl, truc.lab_tpl_n');
}

/** Replays the captured pages (one transaction each, under EXPLAIN) and prints their costs. */
async function replay(c: pg.Client, label: string, captured: Captured[]): Promise<void> {
  await c.query('CHECKPOINT');
  const every = Number(process.env.LAB_CHECKPOINT_EVERY ?? 0);
  const costs: PageCost[] = [];
  for (const s of captured) {
    if (every > 0 && costs.length > 0 && costs.length % every === 0) await c.query('CHECKPOINT');
    await c.query('BEGIN');
    const e = await c.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING OFF, FORMAT JSON) ${s.sql}`,
      s.params.map(revive),
    );
    const t1 = performance.now();
    await c.query('COMMIT');
    const commitMs = performance.now() - t1;
    const out = (e.rows[0]!['QUERY PLAN'] as Array<Record<string, unknown>>)[0]!;
    const plan = out['Plan'] as Record<string, number>;
    const triggers = (out['Triggers'] as Array<{ Time: number }> | undefined) ?? [];
    costs.push({
      walBytes: plan['WAL Bytes']!,
      walRecords: plan['WAL Records']!,
      fpi: plan['WAL FPI']!,
      hit: plan['Shared Hit Blocks']!,
      read: plan['Shared Read Blocks']!,
      dirtied: plan['Shared Dirtied Blocks']!,
      written: plan['Shared Written Blocks']!,
      execMs: out['Execution Time'] as number,
      commitMs,
      triggerMs: triggers.reduce((a, t) => a + t.Time, 0),
    });
  }
  const size = (
    await c.query<{ heap: string; idx: string; detail: string }>(
      `SELECT pg_relation_size('truc.students') AS heap, pg_indexes_size('truc.students') AS idx,
              (SELECT string_agg(indexrelid::regclass::text || ' ' || (pg_relation_size(indexrelid) / 1048576) || ' MB', ', ')
                 FROM pg_index WHERE indrelid = 'truc.students'::regclass) AS detail`,
    )
  ).rows[0]!;
  const mean = (k: keyof PageCost) => costs.reduce((a, x) => a + x[k], 0) / costs.length;
  const f = (x: number, d = 0) => x.toFixed(d);
  if (process.env.LAB_VERBOSE)
    costs.forEach((x, i) =>
      console.log(
        `  page ${i + 1}: WAL ${f(x.walBytes / 1024)} kB fpi ${x.fpi} rec ${x.walRecords} | hit ${x.hit} read ${x.read} dirtied ${x.dirtied} written ${x.written} | exec ${f(x.execMs, 1)} commit ${f(x.commitMs, 1)} ms`,
      ),
    );
  console.log(
    `${label}: per page (mean of ${costs.length}) WAL ${f(mean('walBytes') / 1024)} kB, FPI ${f(mean('fpi'))}, ` +
      `records ${f(mean('walRecords'))}; buffers hit ${f(mean('hit'))} read ${f(mean('read'))} dirtied ${f(mean('dirtied'))} written ${f(mean('written'))}; ` +
      `exec ${f(mean('execMs'), 1)} ms, COMMIT ${f(mean('commitMs'), 1)} ms; ` +
      `heap ${f(Number(size.heap) / 2 ** 20)} MB, indexes ${f(Number(size.idx) / 2 ** 20)} MB (${size.detail}); ${execSync('uptime').toString().trim()}`,
  );
}

/** The variant's schema change: sql:<file>, ff<fillfactor>, no-index:<name>; set:<setting>=<value> (this session); base. */
async function applyVariant(c: pg.Client, variant: string): Promise<void> {
  if (variant.startsWith('sql:')) await c.query(readFileSync(variant.slice(4), 'utf8'));
  else if (variant.startsWith('ff'))
    await c.query(`ALTER TABLE truc.students SET (fillfactor = ${Number(variant.slice(2))})`);
  else if (variant.startsWith('no-index:')) await c.query(`DROP INDEX truc.${variant.slice(9)}`);
  // A setting of the replaying session only, e.g. set:wal_compression=lz4 (superuser settings too: the lab is postgres).
  else if (variant.startsWith('set:')) await c.query(`SET ${variant.slice(4)}`);
  else if (variant !== 'base') throw new Error(`unknown variant ${variant}`);
}

async function one(n: number, variant: string, captured: Captured[]): Promise<void> {
  const name = `truc_city8_lab_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  try {
    const db = createPgDb(url, 'postgres', { max: 1 });
    await migrate(db);
    await db.close();
    const c = new pg.Client({ connectionString: url, options: '-c jit=off' });
    await c.connect();
    try {
      await applyVariant(c, variant);
      const t0 = Date.now();
      await fill(c, n, captured);
      await replay(c, `N ${n} ${variant} (filled in ${((Date.now() - t0) / 1000).toFixed(0)} s)`, captured);
    } finally {
      await c.end();
    }
  } finally {
    if (process.env.LAB_KEEP) console.log(`kept ${name}`);
    else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/** The captured pages with their keys moved `shift` places along the simulator's permutation (new keys). */
function shifted(captured: Captured[], shift: number): Captured[] {
  const step = BigInt(shift) * 48271n;
  return captured.map((s) => {
    const keys = (s.params[0] as string).replace(/[{}"]/g, '').split(',');
    const moved = keys.map((k) => `7${String((BigInt(k.slice(1)) + step) % 1000000000n).padStart(9, '0')}`);
    return { sql: s.sql, params: [moved, ...s.params.slice(1)] };
  });
}

/**
 * LAB_DB=<a kept database>: each variant of LAB_VARIANTS in turn on it (cumulative: `sql:` files that
 * swap indexes), each replaying the captured pages under keys of their own (after the stored ones).
 */
async function onKept(dbName: string, variants: string[], captured: Captured[]): Promise<void> {
  const c = new pg.Client({
    connectionString: `postgres://postgres@127.0.0.1:5432/${dbName}`,
    options: '-c jit=off',
  });
  await c.connect();
  try {
    const n = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM truc.students')).rows[0]!.n);
    const start = Number(process.env.LAB_SHIFT ?? 1);
    for (const [i, v] of variants.entries()) {
      await applyVariant(c, v);
      await replay(
        c,
        `kept ${dbName} (${n} rows) ${v}`,
        shifted(captured, 40_000 + n + 40_000 * (start + i)),
      );
    }
  } finally {
    await c.end();
  }
}

const file = process.env.LAB_FILE;
if (!file) throw new Error('LAB_FILE: the first-sync INSERTs captured by pg-statements.ts');
const captured = JSON.parse(readFileSync(file, 'utf8')) as Captured[];
const variants = (process.env.LAB_VARIANTS ?? 'base').split(',');
if (process.env.LAB_DB) await onKept(process.env.LAB_DB, variants, captured);
else
  for (const n of (process.env.LAB_N ?? '0,300000').split(',').map(Number))
    for (const v of variants) await one(n, v, captured);
