/**
 * Issue 9 — the change feed serving a school year of changes for a 1,000-student school, against a
 * bare keyset-paged SELECT of the same rows.
 *
 * Data (through the store, so the feed's triggers write the changes as in production): a school of
 * 1,000 students and a second school of the same size (the feed must filter it out) each get their
 * students created, then updated ten times (one transaction per "month" per school, each changing
 * every student), then 5% deleted (tombstones): ~11,050 changes for the vendor's school.
 *   - truc: a vendor of that school pages `GET /v1/changes?limit=1000&cursor=…` through the listening
 *     API (bearer token, rate limit, tenancy, the snapshot guard, cursor encoding, serialisation) until
 *     a page comes back empty;
 *   - baseline: the same pages read by a bare keyset-paged `SELECT` of the same columns (the feed's rows
 *     of the school after a position, their keys unnested, `ORDER BY tx, seq, i LIMIT 1000`) on one pg
 *     connection.
 * One unmeasured pass each first, then PASSES measured passes of each, alternating. Rows: changes/s (target ≥ 0.5),
 * pages/s (requests/s), p99 per page (informative).
 */
import pg from 'pg';
import { fingerprint, createRecordsRepo, type UpsertRow } from '../../src/store/records.js';
import type { Student } from '../../src/canonical/student.js';
import { studentBatches } from './lib/students.js';
import { openTrucEnv, type TrucEnv } from './lib/truc-env.js';
import { costRow, percentile, rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'changes';

const STUDENTS = 1000;
const MONTHS = 10;
const DELETED = 0.05;
const PAGE = 1000;
const PASSES = 3;
const TARGET = 0.5;
const MAX_PAGES = 10_000;

const row = (s: Student): UpsertRow => ({
  key: s.studentCode,
  scope: s.schoolCode,
  personalId: s.personalId,
  data: s,
  fingerprint: fingerprint(s),
});

/** Creates, ten rounds of updates, then deletes, for every student of `students` (one school). */
async function aSchoolYear(env: TrucEnv, students: Student[]): Promise<void> {
  const db = env.deps.db;
  const source = { system: 'vendor:bench', mappingVersion: 'bench' };
  await db.tx((q) => createRecordsRepo(q).upsert('students', students.map(row), source));
  for (let m = 1; m <= MONTHS; m++) {
    const changed = students.map((s) => ({
      ...s,
      statusDate: `2025-${String(((m + 8) % 12) + 1).padStart(2, '0')}-05`,
    }));
    await db.tx((q) => createRecordsRepo(q).upsert('students', changed.map(row), source));
  }
  const gone = students.slice(0, Math.round(students.length * DELETED)).map((s) => s.studentCode);
  await db.tx((q) => createRecordsRepo(q).tombstone('students', gone));
}

interface Pass {
  items: number;
  pages: number[];
}

/** Pages truc's feed as the vendor: until an empty page. */
async function viaApi(apiUrl: string, token: string): Promise<Pass> {
  const pass: Pass = { items: 0, pages: [] };
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const started = performance.now();
    const res = await fetch(`${apiUrl}/v1/changes?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`change feed answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { items: unknown[]; nextCursor: string };
    pass.pages.push(performance.now() - started);
    if (page.items.length === 0) return pass;
    pass.items += page.items.length;
    cursor = page.nextCursor;
  }
  throw new Error('change feed did not end');
}

/**
 * The same pages by a bare keyset-paged SELECT: the feed's rows (one a statement, school and operation,
 * holding the keys: migration 350) unnested, after a position (row, keys of it read).
 */
async function viaSelect(client: pg.Client, school: string): Promise<Pass> {
  const pass: Pass = { items: 0, pages: [] };
  let after: { tx: string; seq: string; i: string } = { tx: '0', seq: '0', i: '0' };
  for (let i = 0; i < MAX_PAGES; i++) {
    const started = performance.now();
    const res = await client.query<{ tx: string; seq: string; i: string }>(
      `SELECT r.tx::text AS tx, r.seq::text AS seq, k.i::text AS i, r.entity, k.key, r.school_code AS "schoolCode",
              r.op, r.changed_at AS "changedAt"
         FROM (SELECT * FROM truc.record_changes r WHERE school_code = $1 AND (tx, seq) >= ($2::xid8, $3::bigint)
                ORDER BY tx, seq LIMIT $5 + 1) r
        CROSS JOIN LATERAL unnest(r.record_keys) WITH ORDINALITY AS k(key, i)
        WHERE (r.tx, r.seq, k.i) > ($2::xid8, $3::bigint, $4::bigint)
        ORDER BY r.tx, r.seq, k.i LIMIT $5`,
      [school, after.tx, after.seq, after.i, PAGE],
    );
    pass.pages.push(performance.now() - started);
    if (res.rows.length === 0) return pass;
    pass.items += res.rows.length;
    after = res.rows.at(-1)!;
  }
  throw new Error('keyset SELECT did not end');
}

/**
 * The feed serves a change once every transaction older than it has finished, in the whole cluster
 * (xids are cluster-wide): on a shared PostgreSQL another database's long transaction holds the newest
 * changes back. Wait (bounded) until all of them are served, so both sides read the same rows.
 */
async function untilServed(env: TrucEnv, school: string, expected: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const res = await env.deps.db.query<{ n: number }>(
      `SELECT coalesce(sum(key_count), 0)::int AS n FROM truc.record_changes
        WHERE school_code = $1 AND tx < pg_snapshot_xmin(pg_current_snapshot())`,
      [school],
    );
    if (res.rows[0]!.n === expected) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the change feed did not catch up within 120 s (a long transaction on the server?)');
}

interface Measured {
  itemsPerSecond: number;
  pagesPerSecond: number;
  p99: number;
}

/**
 * One unmeasured pass of each, then PASSES measured passes of each, alternating (truc, baseline,
 * truc, …) so both see the same load of a shared machine: items/s, pages/s and the p99 page time.
 */
async function measure(
  sides: { truc: () => Promise<Pass>; bare: () => Promise<Pass> },
  expected: number,
): Promise<{ truc: Measured; bare: Measured }> {
  await sides.truc();
  await sides.bare();
  const acc = { truc: { ms: 0, pages: [] as number[] }, bare: { ms: 0, pages: [] as number[] } };
  for (let i = 0; i < PASSES; i++) {
    for (const side of ['truc', 'bare'] as const) {
      const started = performance.now();
      const pass = await sides[side]();
      acc[side].ms += performance.now() - started;
      if (pass.items !== expected)
        throw new Error(`${side}: a pass read ${pass.items} changes, expected ${expected}`);
      acc[side].pages.push(...pass.pages);
    }
  }
  const of = (a: { ms: number; pages: number[] }): Measured => ({
    itemsPerSecond: (expected * PASSES) / (a.ms / 1000),
    pagesPerSecond: a.pages.length / (a.ms / 1000),
    p99: percentile(a.pages, 99),
  });
  return { truc: of(acc.truc), bare: of(acc.bare) };
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const size = scaled(STUDENTS, opts.scale, 50);
  const [mine, other] = studentBatches(2, size, 'truc-bench-changes');
  const env = await openTrucEnv('postgres+redis');
  try {
    await aSchoolYear(env, mine!.records);
    await aSchoolYear(env, other!.records);
    const count = await env.deps.db.query<{ n: number }>(
      'SELECT coalesce(sum(key_count), 0)::int AS n FROM truc.record_changes WHERE school_code = $1',
      [mine!.schoolCode],
    );
    const expected = count.rows[0]!.n;
    await untilServed(env, mine!.schoolCode, expected);
    const api = await env.startApi();
    const vendor = await env.vendor(api.url, [mine!.schoolCode]);
    const client = new pg.Client({ connectionString: env.databaseUrl! });
    await client.connect();
    const { truc, bare } = await measure(
      { truc: () => viaApi(api.url, vendor.token), bare: () => viaSelect(client, mine!.schoolCode) },
      expected,
    ).finally(() => client.end());
    await api.stop();
    const what = `${expected} changes of a ${size}-student school year, pages of ${PAGE}`;
    return [
      rateRow(
        `change feed ${what} vs keyset SELECT`,
        'changes/s',
        truc.itemsPerSecond,
        bare.itemsPerSecond,
        TARGET,
      ),
      rateRow(
        `change feed pages vs keyset SELECT`,
        'requests/s',
        truc.pagesPerSecond,
        bare.pagesPerSecond,
        null,
      ),
      costRow(`change feed p99 per page vs keyset SELECT`, 'ms', truc.p99, bare.p99, null),
    ];
  } finally {
    await env.cleanup();
  }
}
