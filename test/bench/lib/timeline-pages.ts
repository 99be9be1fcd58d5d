/**
 * Reads a timeline dump (./timeline.ts, AB_TIMELINE_DUMP) page by page (issue 7; bench tools, not npm
 * test): each first-sync page's transaction (the statements of one connection from BEGIN to COMMIT that
 * insert students) as the intervals between its statements' sends and answers, with the share of each
 * interval truc's main thread and PostgreSQL were on a CPU. Medians over the pages.
 *
 *   npx tsx test/bench/lib/timeline-pages.ts <dump.json> [pages to print one by one]
 */
import { readFileSync } from 'node:fs';
import type { Logged, Tick } from './timeline.js';

const [file, show] = process.argv.slice(2);
const { ticks, statements } = JSON.parse(readFileSync(file!, 'utf8')) as {
  ticks: Tick[];
  statements: Logged[];
};

/** Cores truc's main thread, PostgreSQL and the simulator used between `a` and `b` (epoch ms), from the ticks. */
function busy(a: number, b: number): { main: number; pg: number; sim: number } {
  let [m, p, s, w] = [0, 0, 0, 0];
  for (const [t, ms, main, pgc, sim] of ticks) {
    const lo = Math.max(a, t - ms);
    const hi = Math.min(b, t);
    if (hi <= lo) continue;
    m += main * (hi - lo);
    p += pgc * (hi - lo);
    s += sim * (hi - lo);
    w += hi - lo;
  }
  return w === 0 ? { main: NaN, pg: NaN, sim: NaN } : { main: m / w, pg: p / w, sim: s / w };
}

const byClient = new Map<number, Logged[]>();
for (const s of statements) {
  const l = byClient.get(s.client) ?? [];
  l.push(s);
  byClient.set(s.client, l);
}
const pages: Logged[][] = [];
for (const list of byClient.values()) {
  let tx: Logged[] | undefined;
  for (const s of list) {
    if (s.kind === 'BEGIN') tx = [];
    tx?.push(s);
    if (s.kind === 'COMMIT' && tx) {
      if (tx.some((x) => /^INSERT: ins students/.test(x.kind))) pages.push(tx);
      tx = undefined;
    }
  }
}
pages.sort((a, b) => a[0]!.sent - b[0]!.sent);

/** Named moments of a page: each statement's send (`>kind`) and answer (`<kind`), in time order. */
const marks = (tx: Logged[]) =>
  tx
    .flatMap((s, i) => [
      { name: `>${i} ${s.kind.slice(0, 40)}`, t: s.sent },
      { name: `<${i} ${s.kind.slice(0, 40)}`, t: s.answered },
    ])
    .sort((a, b) => a.t - b.t);

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

// Per page: the intervals between consecutive moments (the same sequence on every page of a first sync).
const rows = new Map<string, { ms: number[]; main: number[]; pg: number[] }>();
const gaps: number[] = [];
pages.forEach((tx, p) => {
  const ms = marks(tx);
  const next = pages[p + 1];
  const end = next ? next[0]!.sent : NaN;
  if (next) gaps.push(end - ms[ms.length - 1]!.t);
  const all = next ? [...ms, { name: '(next page BEGIN)', t: end }] : ms;
  for (let i = 1; i < all.length; i++) {
    const key = `${String(i).padStart(2)} ${all[i - 1]!.name} → ${all[i]!.name}`;
    const r = rows.get(key) ?? { ms: [], main: [], pg: [] };
    const b = busy(all[i - 1]!.t, all[i]!.t);
    r.ms.push(all[i]!.t - all[i - 1]!.t);
    r.main.push(b.main);
    r.pg.push(b.pg);
    rows.set(key, r);
  }
  if (show !== undefined && p >= 5 && p < 5 + Number(show)) {
    console.log(`page ${p}:`);
    for (let i = 1; i < all.length; i++) {
      const b = busy(all[i - 1]!.t, all[i]!.t);
      console.log(
        `  +${(all[i]!.t - all[0]!.t).toFixed(1).padStart(6)} ms  ${all[i]!.name.padEnd(50)} (${(all[i]!.t - all[i - 1]!.t).toFixed(1)} ms; main ${b.main.toFixed(2)} pg ${b.pg.toFixed(2)} sim ${b.sim.toFixed(2)})`,
      );
    }
  }
});
/**
 * Per page, from its BEGIN to the next page's: the wall time none of its statements was unanswered (truc on
 * its way to the next statement, or to the next page), and the CPU truc's main thread used then (steadier
 * under load than the wall: the page's serial truc work, with whatever else the thread did meanwhile).
 */
const serial = pages.slice(0, -1).map((tx, p) => {
  const end = pages[p + 1]![0]!.sent;
  const edges = tx.flatMap((s) => [
    { t: s.sent, d: 1 },
    { t: s.answered, d: -1 },
  ]);
  edges.push({ t: end, d: 0 });
  edges.sort((a, b) => a.t - b.t || b.d - a.d);
  let [open, last, wall, cpu] = [0, tx[0]!.sent, 0, 0];
  for (const e of edges) {
    if (open === 0 && e.t > last) {
      wall += e.t - last;
      cpu += busy(last, e.t).main * (e.t - last);
    }
    open += e.d;
    last = e.t;
  }
  const trips = tx.filter((s) => !tx.some((o) => o !== s && o.sent <= s.sent && o.answered > s.sent)).length;
  return { wall, cpu, trips };
});
console.log(
  `serial (nothing unanswered) a page: wall ${median(serial.map((s) => s.wall)).toFixed(1)} ms, truc main CPU ${median(serial.map((s) => s.cpu)).toFixed(2)} ms; round trips ${median(serial.map((s) => s.trips))}`,
);
const walls = pages.slice(0, -1).map((tx, p) => pages[p + 1]![0]!.sent - tx[0]!.sent);
console.log(`${pages.length} pages; median page ${median(walls).toFixed(1)} ms BEGIN to BEGIN`);
for (const [k, r] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  if (r.ms.length < pages.length / 2) continue;
  console.log(
    `${k.padEnd(100)} median ${median(r.ms).toFixed(2).padStart(6)} ms  main ${median(r.main).toFixed(2)} pg ${median(r.pg).toFixed(2)}  (${r.ms.length} pages)`,
  );
}
