/**
 * What a changed vendor batch's write statement costs PostgreSQL with and without parts of the arrival check it
 * carries (migration 600, src/store/word-arrival.ts `writableBy`; issue 7, perf21), A/B in one run on one database
 * (not part of `npm test`):
 *
 *   npx tsx test/bench/lib/write-where.ts [rounds=6] [variants=sent,per-row,no-check]
 *
 * A fresh migrated database: `1 + rounds × variants` schools of 1000 bench students to write and WW_STORED (default
 * 100) more, stored (COPY; the ingest bench's size: a small table's plans hash it whole instead of finding each row
 * by its key), a vendor batch row a school (its arrival), and every student noted seen by a vendor's earlier batch
 * (truc.record_seen, as after a night's re-push; WW_SEEN=0: none, the ingest bench's case, whose changed re-push
 * follows re-pushes judged at once, which note nothing). Each round, each variant in turn (the order rotating)
 * writes a school of its own with every record changed (the ingest bench's changed status date): the statement
 * truc sends for a vendor batch of stored rows (src/store/record-writes.ts `upsert` with `stored` and `arrival`),
 * rewritten by the variant, in a transaction of its own, on a connection with truc's settings (`jit=off`); the
 * first school is a warm-up. Per variant: the median backend CPU of the statement (/proc/<pid>/schedstat) and the
 * median of its per-round ratio to the first variant. Variants:
 *   sent      the statement as sent: the carries newer than the batch of its keys and the re-pushes' keys read
 *             once, one `NOT IN` on the batch row's key (`v`)
 *   per-row   order21's form (3b5651c): each row's carry read by a subquery of its own (`wordArrival`), the
 *             re-pushes' `NOT IN` on the stored row (`r`)
 *   no-seen   the row's own arrival only, no carry read (what reading them costs)
 *   r-side    as sent, the `NOT IN` on the stored row's key (`r`): costed at every row probe, it turns the plan
 *             into a scan of every student
 *   no-check  no arrival check at all (each row found by its key is written), as before migration 600
 * WW_EXPLAIN=1 prints each statement's plan first (EXPLAIN ANALYZE in a transaction rolled back; WW_TIMING=1 with
 * node times). The plans are those of tables never analysed, as the benches' (autovacuum off).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import type { Student } from '../../../src/canonical/student.js';
import { twinKey } from '../../../src/quality/rules/sach-duplicates.js';
import { createPgDb, type Db, type Queryable } from '../../../src/store/db.js';
import { createRecordsRepo, fingerprinted, type UpsertRow } from '../../../src/store/records.js';
import { repushedKeysAfter, rowArrival, wordArrival } from '../../../src/store/word-arrival.js';
import { createTestDatabase } from '../../helpers/env.js';
import { schedCpu } from './cpu.js';
import { changedStatusDate, studentBatches, type StudentBatch } from './students.js';

const rounds = Number(process.argv[2] ?? 6);
const variants = (process.argv[3] ?? 'sent,per-row,no-check').split(',');
const SYSTEM = 'vendor:bench';

const rowsOf = (records: readonly Student[]): UpsertRow[] =>
  records.map((r) => {
    const { json, fingerprint } = fingerprinted(r);
    return {
      key: r.studentCode,
      scope: r.schoolCode,
      personalId: r.personalId ?? undefined,
      data: r,
      json: Buffer.from(json),
      fingerprint,
      twinKey: twinKey(r),
    };
  });

/** The statements `upsert` sends, captured (each answered "all written"). */
async function statementsOf(fn: (q: Queryable) => Promise<unknown>): Promise<[string, unknown[]][]> {
  const out: [string, unknown[]][] = [];
  const q: Queryable = {
    query: <R>(sql: string, params?: readonly unknown[]) => {
      out.push([sql, [...(params ?? [])]]);
      return Promise.resolve({ rows: [{ written: null }] as R[], rowCount: 1 });
    },
  };
  await fn(q);
  return out;
}

/** The arrival check in the statement as sent: from its condition on the row's own arrival to RETURNING. */
const CHECK = /\s+AND coalesce\(r\.arrived_at[\s\S]*?(?=\s+RETURNING )/;

function partsOf(sql: string): { arrival: string; school: string } {
  const arrival =
    /arrived_at = (\(SELECT b\.created_at FROM truc\.batches b WHERE b\.id = \$\d+::uuid\))/.exec(sql)?.[1];
  const school = /rp\.school_code = (\$\d+)::text/.exec(sql)?.[1];
  if (!arrival || !school || !CHECK.test(sql))
    throw new Error('the arrival check not found in the statement as expected');
  return { arrival, school };
}

function rewrite(variant: string, sql: string): string {
  if (variant === 'sent') return sql;
  if (variant === 'r-side') return sql.replace('AND v.student_code NOT IN (', 'AND r.student_code NOT IN (');
  const { arrival, school } = partsOf(sql);
  const repushed = repushedKeysAfter('students', school, arrival);
  if (variant === 'per-row')
    return sql.replace(
      CHECK,
      ` AND ${wordArrival('students', 'r')} <= ${arrival} AND r.student_code NOT IN (${repushed})`,
    );
  if (variant === 'no-seen')
    return sql.replace(
      CHECK,
      ` AND ${rowArrival('r')} <= ${arrival} AND v.student_code NOT IN (${repushed})`,
    );
  // The school's parameter, no longer read, still typed.
  if (variant === 'no-check') return sql.replace(CHECK, ` AND ${school}::text IS NOT NULL`);
  throw new Error(`unknown variant ${variant}`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A fresh database with `schools` stored schools, a batch row each (their ids, in order), and their carries. */
async function storeSchools(db: Db, batches: readonly StudentBatch[]): Promise<string[]> {
  const ids: string[] = [];
  for (const b of batches) {
    await db.tx((q) =>
      createRecordsRepo(q).upsert('students', rowsOf(b.records), {
        system: SYSTEM,
        mappingVersion: 'canonical@1',
        fresh: true,
      }),
    );
    const id = randomUUID();
    ids.push(id);
    await db.query(
      `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received)
       VALUES ($1, 'bench', $2, 'students', 'canonical', 'processing', '[]', 1000)`,
      [id, b.schoolCode],
    );
  }
  // Every student carried unchanged by an earlier batch of the vendor (before the batches above arrived).
  if (process.env.WW_SEEN !== '0')
    await db.query(
      `INSERT INTO truc.record_seen (entity, key, seen_at, seen_by, arrived_at)
       SELECT 'students', student_code, now() - interval '1 hour', $1, now() - interval '1 hour' FROM truc.students`,
      [SYSTEM],
    );
  return ids;
}

/** Writes school `b` changed by `variant`'s statement on `client` (backend `pid`): its backend CPU, ms. */
async function writeOnce(
  client: pg.Client,
  pid: number,
  variant: string,
  b: StudentBatch,
  batchId: string,
): Promise<number> {
  const date = changedStatusDate();
  const rows = rowsOf(b.records.map((r) => ({ ...r, statusDate: date })));
  const [[sql, params]] = (await statementsOf((q) =>
    createRecordsRepo(q).upsert('students', rows, {
      system: SYSTEM,
      mappingVersion: 'canonical@1',
      stored: true,
      arrival: { batchId, school: b.schoolCode },
    }),
  )) as [[string, unknown[]]];
  const text = rewrite(variant, sql);
  if (process.env.WW_EXPLAIN === '1') {
    await client.query('BEGIN');
    const timing = process.env.WW_TIMING === '1' ? 'on' : 'off';
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, TIMING ${timing}) ${text}`,
      params,
    );
    console.error(variant, plan.rows.map((x) => x['QUERY PLAN']).join('\n'));
    await client.query('ROLLBACK');
  }
  await client.query('BEGIN');
  const before = schedCpu(pid);
  const res = await client.query<{ written: string[] | null }>(text, params);
  const ms = (schedCpu(pid) - before) * 1000;
  await client.query('COMMIT');
  if (res.rows[0]?.written !== null) throw new Error(`${variant}: not every row written`);
  return ms;
}

async function main(): Promise<void> {
  const written = 1 + rounds * variants.length;
  const batches = studentBatches(written + Number(process.env.WW_STORED ?? 100));
  const tdb = await createTestDatabase({ migrated: true });
  const db = createPgDb(tdb.url, 'postgres', { max: 2 });
  const client = new pg.Client({ connectionString: tdb.url, options: '-c jit=off' }); // truc's (src/store/db.ts)
  try {
    const ids = await storeSchools(db, batches);
    await client.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await writeOnce(client, pid, variants[0]!, batches[0]!, ids[0]!);
    let s = 1;
    const cpu: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    const ratios: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let r = 0; r < rounds; r++) {
      const got: Record<string, number> = {};
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + r) % variants.length]!;
        got[v] = await writeOnce(client, pid, v, batches[s]!, ids[s]!);
        s++;
      }
      for (const v of variants) {
        cpu[v]!.push(got[v]!);
        ratios[v]!.push(got[v]! / got[variants[0]!]!);
      }
      console.error(`round ${r}: ${variants.map((v) => `${v} ${got[v]!.toFixed(2)}`).join(', ')} ms`);
    }
    console.log(
      `variant | PostgreSQL CPU ms a 1000-row statement (median of ${rounds}) | median ratio to ${variants[0]}`,
    );
    for (const v of variants)
      console.log(`${v} | ${median(cpu[v]!).toFixed(2)} | ${median(ratios[v]!).toFixed(3)}`);
    console.log(`load ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    await client.end().catch(() => undefined);
    await db.close();
    await tdb.drop();
  }
}

await main();
