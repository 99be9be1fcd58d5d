/**
 * PostgreSQL's CPU for captured statements under variants of the schema or of the statement, A/B in
 * one run (issue 7; not part of npm test).
 *
 *   BENCH_PGS_CAPTURE=/tmp/upserts.json BENCH_PGS_STUDENTS=30000 npx tsx test/bench/lib/pg-statements.ts
 *   BENCH_REPLAY_FILE=/tmp/upserts.json BENCH_REPLAY_VARIANTS=base,insert npx tsx test/bench/lib/pg-replay.ts
 *
 * Each round makes one fresh migrated database per variant (copies of the test suite's template), applies
 * the variant's schema change, then replays the captured statements page by page, each in a transaction
 * of its own on the variant's one connection, the variants' turns rotating every page. A statement's cost
 * is its backend's CPU while it ran (/proc/<pid>/schedstat; COMMIT apart). Prints per variant the median
 * CPU a statement and the median of its per-page ratio to the first variant, with the load (`uptime`).
 * BENCH_REPLAY_PRELUDE=<file>: captured statements run first on each fresh database, unmeasured (e.g. the
 * first sync's inserts, so that the replayed upserts update stored rows). Also prints per variant the
 * students table's heap and index size after the replay, the share of the replay's updates that were
 * HOT (heap-only: no index entry written), from the table's statistics, and the rows updated a statement. A vendor
 * batch's upsert has its batch's row inserted first (see `ensureBatch`).
 * Variants: base; insert (the statement without its ON CONFLICT clause); no-update-trigger,
 * no-triggers (the students' change feed triggers dropped); no-index:<name> (an index dropped); collate-c
 * (the students' key columns compared byte by byte); sql:<file> (the file's statements run first, e.g. a
 * candidate migration); rewrite:<module> (the module's default export `(sql) => sql` rewrites each statement);
 * `a+b` composes variants (their setups in order, then their rewrites), e.g. sql:<settings.sql>+rewrite:<module>.
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/env.js';
import { revive, type Captured } from './statement-spy.js';

interface Variant {
  name: string;
  setup: string[];
  rewrite(sql: string): string;
}

const same = (sql: string): string => sql;

async function variantOf(name: string): Promise<Variant> {
  if (name.includes('+')) {
    // Variants composed (`a+b`): their setups in order, their rewrites one after the other.
    const parts = await Promise.all(name.split('+').map(variantOf));
    return {
      name,
      setup: parts.flatMap((p) => p.setup),
      rewrite: (sql) => parts.reduce((s, p) => p.rewrite(s), sql),
    };
  }
  if (name.startsWith('rewrite:')) {
    // A module whose default export rewrites each statement (e.g. the same rows written another way).
    const mod = (await import(resolve(name.slice('rewrite:'.length)))) as {
      default: (sql: string) => string;
    };
    return { name, setup: [], rewrite: mod.default };
  }
  if (name === 'base') return { name, setup: [], rewrite: same };
  if (name === 'insert')
    return { name, setup: [], rewrite: (sql) => sql.replace(/\s+ON CONFLICT[\s\S]*$/, '') };
  if (name === 'no-update-trigger')
    return { name, setup: ['DROP TRIGGER students_changes_update ON truc.students'], rewrite: same };
  if (name === 'no-triggers')
    return {
      name,
      setup: [
        'DROP TRIGGER students_changes_update ON truc.students',
        'DROP TRIGGER students_changes_insert ON truc.students',
      ],
      rewrite: same,
    };
  if (name === 'feed-seq-cache')
    return {
      name,
      setup: ['ALTER TABLE truc.record_changes ALTER COLUMN seq SET CACHE 1000'],
      rewrite: same,
    };
  if (name === 'no-feed-webhook')
    return { name, setup: ['DROP TRIGGER record_changes_webhook ON truc.record_changes'], rewrite: same };
  if (name === 'no-feed-school-index')
    return { name, setup: ['DROP INDEX truc.record_changes_school'], rewrite: same };
  if (name === 'collate-c')
    return {
      name,
      setup: ['student_code', 'school_code', 'personal_id', 'twin_key'].map(
        (c) => `ALTER TABLE truc.students ALTER COLUMN ${c} TYPE text COLLATE "C"`,
      ),
      rewrite: same,
    };
  if (name.startsWith('no-index:'))
    return { name, setup: [`DROP INDEX truc.${name.slice('no-index:'.length)}`], rewrite: same };
  if (name.startsWith('sql:'))
    return { name, setup: [readFileSync(name.slice('sql:'.length), 'utf8')], rewrite: same };
  throw new Error(`unknown variant ${name}`);
}

function cpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Lane {
  variant: Variant;
  db: TestDatabase;
  client: pg.Client;
  pid: number;
  ms: number[];
  commitMs: number[];
  /** The students table once the prelude ran, and once the replay did. */
  before?: TableStats;
  after?: TableStats;
}

/** The students table: heap and index bytes, rows updated and of those HOT (the statistics flushed first). */
interface TableStats {
  heap: number;
  indexes: number;
  upd: number;
  hot: number;
}

async function tableStats(client: pg.Client): Promise<TableStats> {
  await client.query('SELECT pg_stat_force_next_flush()');
  const r = await client.query<TableStats>(
    `SELECT pg_relation_size('truc.students')::float8 AS heap, pg_indexes_size('truc.students')::float8 AS indexes,
            n_tup_upd::float8 AS upd, n_tup_hot_upd::float8 AS hot
       FROM pg_stat_user_tables WHERE relid = 'truc.students'::regclass`,
  );
  return r.rows[0]!;
}

/**
 * A vendor batch's upsert reads its batch's arrival (src/store/word-arrival.ts `batchArrival`: its row's `created_at`)
 * and writes only rows whose word is not newer: on a fresh database without that row it would write nothing. The
 * batch row of such a statement is inserted first, unmeasured, with the time it is replayed at (so a P4 prelude's
 * batches arrived before the changed ones replayed after it).
 */
async function ensureBatch(client: pg.Client, stmt: Captured): Promise<void> {
  const id = /truc\.batches b WHERE b\.id = \$(\d+)::uuid/.exec(stmt.sql)?.[1];
  const school = /rp\.school_code = \$(\d+)::text/.exec(stmt.sql)?.[1];
  if (!id || !school) return;
  await client.query(
    `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, created_at)
     VALUES ($1::uuid, 'replay', $2, 'students', 'canonical', 'processing', '[]', 0, clock_timestamp())
     ON CONFLICT (id) DO NOTHING`,
    [stmt.params[Number(id) - 1], stmt.params[Number(school) - 1]],
  );
}

async function openLane(variant: Variant, prelude: Captured[]): Promise<Lane> {
  const db = await createTestDatabase({ migrated: true });
  const client = new pg.Client({ connectionString: db.url, options: '-c jit=off' });
  await client.connect();
  for (const sql of variant.setup) await client.query(sql);
  for (const stmt of prelude) {
    await ensureBatch(client, stmt);
    await client.query(stmt.sql, stmt.params.map(revive));
  }
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return { variant, db, client, pid, ms: [], commitMs: [], before: await tableStats(client) };
}

async function replayOne(lane: Lane, stmt: Captured): Promise<void> {
  await ensureBatch(lane.client, stmt);
  await lane.client.query('BEGIN');
  const t0 = cpuMs(lane.pid);
  await lane.client.query(lane.variant.rewrite(stmt.sql), stmt.params.map(revive));
  const t1 = cpuMs(lane.pid);
  await lane.client.query('COMMIT');
  lane.ms.push(t1 - t0);
  lane.commitMs.push(cpuMs(lane.pid) - t1);
}

async function round(variants: Variant[], statements: Captured[], prelude: Captured[]): Promise<Lane[]> {
  const lanes: Lane[] = [];
  try {
    for (const v of variants) lanes.push(await openLane(v, prelude));
    for (let i = 0; i < statements.length; i++)
      for (let k = 0; k < lanes.length; k++) await replayOne(lanes[(i + k) % lanes.length]!, statements[i]!);
    for (const l of lanes) l.after = await tableStats(l.client);
    return lanes;
  } finally {
    for (const l of lanes) {
      await l.client.end().catch(() => undefined);
      await l.db.drop().catch(() => undefined);
    }
  }
}

async function main(): Promise<void> {
  const file = process.env.BENCH_REPLAY_FILE;
  if (!file) throw new Error('BENCH_REPLAY_FILE: the statements captured by pg-statements.ts');
  const statements = JSON.parse(readFileSync(file, 'utf8')) as Captured[];
  const preludeFile = process.env.BENCH_REPLAY_PRELUDE;
  const prelude = preludeFile ? (JSON.parse(readFileSync(preludeFile, 'utf8')) as Captured[]) : [];
  const variants = await Promise.all(
    (process.env.BENCH_REPLAY_VARIANTS ?? 'base,insert').split(',').map(variantOf),
  );
  const rounds = Number(process.env.BENCH_REPLAY_ROUNDS ?? 3);
  const byVariant = new Map<
    string,
    {
      ms: number[];
      commit: number[];
      ratio: number[];
      mb: number[];
      idxMb: number[];
      hot: number[];
      upd: number[];
    }
  >();
  for (let r = 0; r < rounds; r++) {
    const lanes = await round(variants, statements, prelude);
    const base = lanes[0]!;
    for (const l of lanes) {
      const acc = byVariant.get(l.variant.name) ?? {
        ms: [],
        commit: [],
        ratio: [],
        mb: [],
        idxMb: [],
        hot: [],
        upd: [],
      };
      acc.ms.push(...l.ms);
      acc.mb.push(l.after!.heap / 2 ** 20);
      acc.idxMb.push(l.after!.indexes / 2 ** 20);
      const upd = l.after!.upd - l.before!.upd;
      acc.hot.push(upd > 0 ? (l.after!.hot - l.before!.hot) / upd : NaN);
      acc.upd.push(upd / statements.length);
      acc.commit.push(...l.commitMs);
      acc.ratio.push(...l.ms.map((x, i) => x / base.ms[i]!));
      byVariant.set(l.variant.name, acc);
    }
    console.log(`round ${r + 1} of ${rounds} (${execSync('uptime').toString().trim()})`);
  }
  console.log(
    `${statements.length} statements a round; variant | CPU ms a statement (median) | COMMIT | ratio to ${variants[0]!.name} (median) | students heap, indexes MB after | HOT share of the replay's updates | students' rows updated a statement`,
  );
  for (const [name, acc] of byVariant)
    console.log(
      `${name} | ${median(acc.ms).toFixed(2)} | ${median(acc.commit).toFixed(2)} | ${median(acc.ratio).toFixed(3)} | ${median(acc.mb).toFixed(1)}, ${median(acc.idxMb).toFixed(1)} | ${median(acc.hot).toFixed(3)} | ${median(acc.upd).toFixed(0)}`,
    );
}

await main();
