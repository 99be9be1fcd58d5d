/**
 * The quality facts statement of a vendor's 1000-student batch (../../../src/store/quality-facts.ts), one
 * part or all, under variants of its SQL or of the indexes, alternated on one database (issue 7: the
 * changed re-push asks it of stored students). Not part of `npm test`.
 *
 *   FACTS_AB_SCHOOLS=100 FACTS_AB_ROUNDS=30 FACTS_AB_PART=activeHolders \
 *   FACTS_AB_SETUP=<file.sql,…> FACTS_AB_VARIANTS=<module.mjs,…> npx tsx test/bench/lib/facts-ab.ts
 *
 * Makes a migrated database `truc_push8_<random>` (a copy of the test suite's template), stores
 * FACTS_AB_SCHOOLS schools of 1000 students (new rows, as a vendor's first push), runs the FACTS_AB_SETUP
 * files, then `VACUUM ANALYZE`. Each round asks every variant's statement for one school's batch (its records
 * as stored, as a changed re-push asks), the variants' turns rotating; a statement's cost is its backend's CPU
 * (/proc/<pid>/schedstat). FACTS_AB_PART: activeHolders, scopeHolders, yearCounts, bornOn or all. A variant
 * is a module whose default export rewrites the statement `(sql) => sql` and whose optional `setup` export is
 * SQL run first in the statement's transaction, rolled back after it (e.g. `DROP INDEX` to force another
 * index). Reports each variant's median and its ratio to the statement as queryFacts sends it (`base`), and
 * says when a variant answers otherwise. FACTS_AB_EXPLAIN=1 prints each variant's plan. Drops the database.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Student } from '../../../src/canonical/student.js';
import { twinKey } from '../../../src/quality/rules/sach-duplicates.js';
import { createPgDb, type Db } from '../../../src/store/db.js';
import { queryFacts, type QualityFactAsks } from '../../../src/store/quality-facts.js';
import { createRecordsRepo, fingerprinted } from '../../../src/store/records.js';
import { migratedTemplate, PG_ADMIN_URL } from '../../helpers/env.js';
import { studentBatches, type StudentBatch } from './students.js';
import { adminQuery as admin } from './truc-env.js';

const cpuMs = (pid: number): number =>
  Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Statement = [sql: string, params: unknown[]];

interface Variant {
  name: string;
  setup: string | undefined;
  statement(asks: QualityFactAsks): Promise<Statement>;
}

/** The statement queryFacts sends for `asks` (captured, not run), rewritten by `rewrite`. */
async function captured(asks: QualityFactAsks, rewrite: (sql: string) => string): Promise<Statement> {
  let out: Statement | undefined;
  const q = {
    query: (sql: string, params: unknown[]) => {
      out = [rewrite(sql), params];
      return Promise.resolve({ rows: [{}], rowCount: 1 });
    },
  };
  await queryFacts(q as never, asks);
  return out!;
}

async function variants(files: readonly string[]): Promise<Variant[]> {
  const out: Variant[] = [{ name: 'base', setup: undefined, statement: (a) => captured(a, (s) => s) }];
  for (const file of files) {
    const mod = (await import(file)) as { default: (sql: string) => string; setup?: string };
    out.push({ name: file, setup: mod.setup, statement: (a) => captured(a, mod.default) });
  }
  return out;
}

/** Stores every batch's students as new rows. */
async function store(db: Db, batches: readonly StudentBatch[]): Promise<void> {
  const repo = createRecordsRepo(db);
  for (const b of batches) {
    const rows = b.records.map((r) => ({
      key: r.studentCode,
      scope: r.schoolCode,
      personalId: r.personalId,
      data: r,
      ...fingerprinted(r),
      twinKey: twinKey(r as never),
    }));
    await repo.upsert('students', rows, { system: 'vendor:facts-ab', mappingVersion: 'v', fresh: true });
  }
}

/** What the store checks of a vendor's batch of these students ask (FACTS_AB_PART of it). */
function asksOf(schoolCode: string, recs: readonly Student[], part: string): QualityFactAsks {
  // The same askers for both holder lookups, as the engine asks them (one probe per asker answers both).
  const askers = recs.map((r) => ({
    personalId: r.personalId!,
    key: r.studentCode,
    schoolCode,
    scope: schoolCode,
  }));
  const all: QualityFactAsks = {
    activeHolders: { entity: 'students', askers },
    scopeHolders: { entity: 'students', askers },
    yearCounts: { entity: 'students', schools: [schoolCode], schoolYear: '2026-2027' },
    bornOn: {
      dates: [...new Set(recs.map((r) => r.birthDate))],
      askers: recs.map((r) => ({
        twinKey: twinKey(r as never)!,
        key: r.studentCode,
        hasId: r.personalId !== undefined,
      })),
    },
  };
  return part === 'all' ? all : { [part]: all[part as keyof QualityFactAsks] };
}

/** One variant's statement timed (its backend's CPU) in a transaction of its own; its answer, sorted. */
async function timed(client: pg.Client, pid: number, v: Variant, asks: QualityFactAsks) {
  const [sql, params] = await v.statement(asks);
  await client.query('BEGIN');
  if (v.setup) await client.query(v.setup);
  const t0 = cpuMs(pid);
  const res = await client.query<Record<string, unknown[]>>(sql, params);
  const ms = cpuMs(pid) - t0;
  await client.query(v.setup ? 'ROLLBACK' : 'COMMIT');
  const parts = Object.values(res.rows[0] ?? {}).map((rows) => rows.map((r) => JSON.stringify(r)).sort());
  return { ms, answer: JSON.stringify(parts) };
}

async function explain(client: pg.Client, vs: readonly Variant[], asks: QualityFactAsks): Promise<void> {
  for (const v of vs) {
    const [sql, params] = await v.statement(asks);
    await client.query('BEGIN');
    if (v.setup) await client.query(v.setup);
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    await client.query('ROLLBACK');
    console.log(`--- ${v.name}\n${plan.rows.map((x) => x['QUERY PLAN'].slice(0, 240)).join('\n')}`);
  }
}

async function compare(url: string, batches: readonly StudentBatch[]): Promise<void> {
  const rounds = Number(process.env.FACTS_AB_ROUNDS ?? 20);
  const part = process.env.FACTS_AB_PART ?? 'activeHolders';
  const vs = await variants((process.env.FACTS_AB_VARIANTS ?? '').split(',').filter(Boolean));
  const client = new pg.Client({ connectionString: url, options: '-c jit=off' });
  await client.connect();
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const ms = new Map<string, number[]>(vs.map((v) => [v.name, []]));
    for (let r = 0; r < rounds; r++) {
      const b = batches[r % batches.length]!;
      const asks = asksOf(b.schoolCode, b.records, part);
      const answers = new Set<string>();
      for (let k = 0; k < vs.length; k++) {
        const v = vs[(r + k) % vs.length]!;
        const got = await timed(client, pid, v, asks);
        ms.get(v.name)!.push(got.ms);
        answers.add(got.answer);
      }
      if (answers.size > 1) console.error(`round ${r}: the variants answer differently`);
    }
    const base = median(ms.get('base')!);
    for (const [name, xs] of ms)
      console.log(
        `${part} ${name}: median ${median(xs).toFixed(2)} ms (${(median(xs) / base).toFixed(3)} of base)`,
      );
    if (process.env.FACTS_AB_EXPLAIN === '1')
      await explain(client, vs, asksOf(batches[0]!.schoolCode, batches[0]!.records, part));
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const schools = Number(process.env.FACTS_AB_SCHOOLS ?? 100);
  const name = `truc_push8_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name} TEMPLATE ${await migratedTemplate()}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const db = createPgDb(u.toString(), 'postgres', { max: 2 });
  try {
    const batches = studentBatches(schools, 1000, 'truc-bench-facts-ab');
    await store(db, batches);
    for (const f of (process.env.FACTS_AB_SETUP ?? '').split(',').filter(Boolean))
      await db.query(readFileSync(f, 'utf8'));
    await db.query('VACUUM ANALYZE truc.students');
    await compare(u.toString(), batches);
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

await main();
