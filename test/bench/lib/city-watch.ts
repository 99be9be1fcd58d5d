/**
 * Watches a first sync while it runs (issue 7, the city: what does it wait on?). Not a bench module.
 *
 *   npx tsx test/bench/lib/city-watch.ts <marker> [intervalSeconds=5]
 *
 * Finds the bench database by a custom setting its bench run put on it (run the bench with
 * BENCH_SYNC_DB_SET='truc.watch=<marker>;track_io_timing=on'), then prints a line per interval: the
 * students stored by its runs (records/s), what its PostgreSQL backends were doing (sampled every 100 ms:
 * on CPU, waiting on I/O, LWLock, Lock, client, idle), the machine's CPU split (user, system, iowait,
 * steal, idle, as cores), dirty and writeback memory, the disk's writes and busy share, WAL bytes and
 * full-page images, checkpoints and buffers written by whom (server-wide: other people's work counts
 * too), and the database's block reads, hits and I/O time. Stops when the database is dropped.
 */
import { readFileSync, readdirSync } from 'node:fs';
import pg from 'pg';

const marker = process.argv[2];
if (!marker) throw new Error('usage: city-watch.ts <marker> [intervalSeconds]');
const every = Number(process.argv[3] ?? 5) * 1000;
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();

async function findDb(): Promise<string> {
  for (;;) {
    const r = await admin.query<{ datname: string }>(
      `SELECT d.datname FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
        WHERE $1 = ANY (s.setconfig)`,
      [`truc.watch=${marker}`],
    );
    if (r.rows[0]) return r.rows[0].datname;
    await new Promise((w) => setTimeout(w, 1000));
  }
}
const dbName = await findDb();
console.log(`watching ${dbName}`);
const url = `postgres://postgres@127.0.0.1:5432/${dbName}`;
let db = new pg.Client({ connectionString: url });
let connected = false;

const cpuStat = () => {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return { user: f[0]! + f[1]!, sys: f[2]! + f[5]! + f[6]!, idle: f[3]!, iowait: f[4]!, steal: f[7]! };
};
const meminfo = () => {
  const m = new Map<string, number>();
  for (const l of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const x = /^(\w+):\s+(\d+)/.exec(l);
    if (x) m.set(x[1]!, Number(x[2]) / 1024);
  }
  return { dirty: m.get('Dirty') ?? 0, writeback: m.get('Writeback') ?? 0 };
};
const disk = () => {
  const l = readFileSync('/proc/diskstats', 'utf8')
    .split('\n')
    .map((x) => x.trim().split(/\s+/))
    .find((x) => x[2] === 'vda')!;
  return {
    rs: Number(l[5]),
    ws: Number(l[9]),
    wios: Number(l[7]),
    wms: Number(l[10]),
    busy: Number(l[12]),
    flush: Number(l[18] ?? 0),
  };
};
/** CPU seconds of the processes whose environment names the database (truc all) and of its backends. */
const procCpu = (pid: number) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
};
let trucPid: number | undefined;
const findTruc = () => {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const env = readFileSync(`/proc/${p}/environ`, 'latin1');
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'latin1');
      if (env.includes(`/${dbName}`) && cmd.includes('main') && cmd.includes('all')) return Number(p);
    } catch {
      /* gone */
    }
  }
  return undefined;
};

interface Snap {
  t: number;
  records: number;
  cpu: ReturnType<typeof cpuStat>;
  disk: ReturnType<typeof disk>;
  wal: Record<string, number>;
  bgw: Record<string, number>;
  dbs: Record<string, number>;
  truc: number;
  pg: Map<number, number>;
}

const waits = new Map<string, number>();
let samples = 0;
let stopped = false;

async function sampleWaits(): Promise<void> {
  while (!stopped) {
    try {
      const r = await admin.query<{ k: string; n: string }>(
        `SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'CPU')
                     WHEN state LIKE 'idle in transaction%' THEN 'idle-in-tx'
                     ELSE 'idle' END AS k, count(*) AS n
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          GROUP BY 1`,
        [dbName],
      );
      samples++;
      for (const x of r.rows) waits.set(x.k, (waits.get(x.k) ?? 0) + Number(x.n));
    } catch {
      /* next */
    }
    await new Promise((w) => setTimeout(w, 100));
  }
}

async function snap(): Promise<Snap | undefined> {
  if (!connected) {
    try {
      await db.connect();
      connected = true;
    } catch {
      return undefined;
    }
  }
  const q = async <T extends pg.QueryResultRow>(sql: string, c = db) => (await c.query<T>(sql)).rows[0]!;
  let records = 0;
  try {
    const r = await q<{ n: string | null }>(
      `SELECT sum(records) AS n FROM truc.sync_runs WHERE entity = 'students'`,
    );
    records = Number(r.n ?? 0);
  } catch {
    records = 0;
  }
  const wal = await q<Record<string, number>>(
    'SELECT wal_records::float8 AS recs, wal_fpi::float8 AS fpi, wal_bytes::float8 AS bytes, wal_buffers_full::float8 AS full, wal_write::float8 AS writes, wal_sync::float8 AS syncs FROM pg_stat_wal',
    admin,
  );
  const bgw = await q<Record<string, number>>(
    'SELECT checkpoints_timed::float8 AS ct, checkpoints_req::float8 AS cr, buffers_checkpoint::float8 AS bc, buffers_clean::float8 AS bcl, buffers_backend::float8 AS bb, buffers_backend_fsync::float8 AS bbf, buffers_alloc::float8 AS ba FROM pg_stat_bgwriter',
    admin,
  );
  const dbs = await q<Record<string, number>>(
    `SELECT blks_read::float8 AS rd, blks_hit::float8 AS hit, blk_read_time AS rt, blk_write_time AS wt, xact_commit::float8 AS xc
       FROM pg_stat_database WHERE datname = '${dbName}'`,
    admin,
  );
  const pids = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`,
    [dbName],
  );
  trucPid ??= findTruc();
  return {
    t: Date.now(),
    records,
    cpu: cpuStat(),
    disk: disk(),
    wal,
    bgw,
    dbs,
    truc: trucPid ? procCpu(trucPid) : 0,
    pg: new Map(pids.rows.map((x) => [x.pid, procCpu(x.pid)])),
  };
}

const f = (x: number, d = 0) => x.toFixed(d);
void sampleWaits();
let prev = await snap();
const t0 = Date.now();
for (;;) {
  await new Promise((w) => setTimeout(w, every));
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
  if (exists.rowCount === 0) break;
  let cur: Snap | undefined;
  try {
    cur = await snap();
  } catch {
    connected = false;
    db = new pg.Client({ connectionString: url });
    continue;
  }
  if (!cur || !prev) {
    prev = cur;
    continue;
  }
  const s = (cur.t - prev.t) / 1000;
  const ticks = (k: keyof Snap['cpu']) => (cur.cpu[k] - prev!.cpu[k]) / 100 / s;
  const m = meminfo();
  let pgCpu = 0;
  for (const [pid, c] of cur.pg) pgCpu += c - (prev.pg.get(pid) ?? c);
  const w = [...waits.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${f(n / Math.max(samples, 1), 2)}`)
    .join(', ');
  waits.clear();
  samples = 0;
  const d = (o: Record<string, number>, p: Record<string, number>, k: string) => (o[k] ?? 0) - (p[k] ?? 0);
  console.log(
    `${f((cur.t - t0) / 1000)}s students ${cur.records} (${f((cur.records - prev.records) / s)}/s) | ` +
      `cores user ${f(ticks('user'), 2)} sys ${f(ticks('sys'), 2)} iowait ${f(ticks('iowait'), 2)} steal ${f(ticks('steal'), 2)} idle ${f(ticks('idle'), 2)}; ` +
      `truc ${f((cur.truc - prev.truc) / s, 2)} pg ${f(pgCpu / s, 2)} | load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} | ` +
      `dirty ${f(m.dirty)} wb ${f(m.writeback)} MB; disk w ${f(((cur.disk.ws - prev.disk.ws) * 512) / 2 ** 20 / s, 1)} r ${f(((cur.disk.rs - prev.disk.rs) * 512) / 2 ** 20 / s, 1)} MB/s busy ${f((cur.disk.busy - prev.disk.busy) / 10 / s)}% ` +
      `await ${f((cur.disk.wms - prev.disk.wms) / Math.max(1, cur.disk.wios - prev.disk.wios), 1)} ms | ` +
      `WAL ${f(d(cur.wal, prev.wal, 'bytes') / 2 ** 20 / s, 1)} MB/s fpi ${f(d(cur.wal, prev.wal, 'fpi') / s)}/s full ${d(cur.wal, prev.wal, 'full')} syncs ${f(d(cur.wal, prev.wal, 'syncs') / s)}/s | ` +
      `ckpt t${d(cur.bgw, prev.bgw, 'ct')} r${d(cur.bgw, prev.bgw, 'cr')} bufs ckpt ${f(d(cur.bgw, prev.bgw, 'bc') / s)} clean ${f(d(cur.bgw, prev.bgw, 'bcl') / s)} backend ${f(d(cur.bgw, prev.bgw, 'bb') / s)} fsync ${d(cur.bgw, prev.bgw, 'bbf')} /s | ` +
      `db read ${f(d(cur.dbs, prev.dbs, 'rd') / s)} hit ${f(d(cur.dbs, prev.dbs, 'hit') / s)} /s rt ${f(d(cur.dbs, prev.dbs, 'rt') / s)} wt ${f(d(cur.dbs, prev.dbs, 'wt') / s)} ms/s commits ${f(d(cur.dbs, prev.dbs, 'xc') / s, 1)}/s | ` +
      `backends: ${w}`,
  );
  prev = cur;
}
stopped = true;
await admin.end();
await db.end().catch(() => undefined);
