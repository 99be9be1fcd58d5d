/**
 * The sync bench's re-syncs after the measured one (../sync.ts, BENCH_SYNC_RESYNCS and BENCH_SYNC_AB): each
 * unchanged full pull of the students between two bare reads, its ratio and CPU, and the medians per build.
 */
import { loadavg } from 'node:os';
import type { Db } from '../../../src/store/db.js';
import { cpuDuring, fmtCpu } from './cpu.js';
import type { Child } from './procs.js';
import { bareRead, cityAdminToken, fullPull, type Api } from './sync-steps.js';

/**
 * BENCH_SYNC_RESYNCS=n (default 1) more unchanged re-syncs after the measured one, each between two bare
 * reads; with BENCH_SYNC_AB=<another build's main.js> they alternate (B A A B B A …) between that build
 * (B) and this one (A), restarted on the same database, so both see the same data and machine load.
 * Prints each ratio and the median per build (informative: the rows keep the first re-sync).
 */
export async function moreResyncs(
  db: Db,
  start: (entry?: string) => Promise<{ truc: Child; url: string }>,
  current: { truc: Child; api: Api },
  sim: { url: string; pid: number | undefined },
): Promise<void> {
  const simUrl = sim.url;
  const n = Number(process.env.BENCH_SYNC_RESYNCS ?? 1);
  const other = process.env.BENCH_SYNC_AB;
  const ratios: Record<string, number[]> = { A: [], B: [] };
  const cpus: Record<string, number[]> = { A: [], B: [] };
  let running = 'A';
  for (let i = 0; i < n; i++) {
    const want = other && i % 4 !== 1 && i % 4 !== 2 ? 'B' : 'A';
    if (want !== running) {
      await current.truc.stop();
      const s = await start(want === 'B' ? other : undefined);
      current.truc = s.truc;
      current.api = { url: s.url, token: await cityAdminToken(db, s.url) };
      running = want;
    }
    current.api.token = await cityAdminToken(db, current.api.url);
    const pids = { truc: current.truc.child.pid, sim: sim.pid };
    const { out: b1, cpu: c1 } = await cpuDuring(db, pids, () => bareRead(simUrl));
    const { out: t, cpu } = await cpuDuring(db, pids, () => fullPull(db, current.api, 'students', 3_600_000));
    const b2 = await bareRead(simUrl);
    const ratio = b1.records / t / ((b1.rate + b2.rate) / 2);
    ratios[want]!.push(ratio);
    if (process.env.BENCH_SYNC_DEBUG) {
      await new Promise((w) => setTimeout(w, 5500));
      const err = current.truc.stderr();
      console.log(err.slice(err.lastIndexOf('TIMING')));
    }
    console.log(
      `re-sync ${i + 1} (${want}): ${t.toFixed(2)} s, bare ${b1.rate.toFixed(0)}/${b2.rate.toFixed(0)} rec/s, ratio ${ratio.toFixed(3)}, load ${loadavg()[0]!.toFixed(1)}; ` +
        `CPU s re-sync ${fmtCpu(cpu)} (truc+pg+sim ${(cpu.truc + cpu.pg + cpu.sim).toFixed(2)}), bare read ${fmtCpu(c1)} (sim+bench ${(c1.sim + c1.bench).toFixed(2)})`,
    );
    cpus[want]!.push((cpu.truc + cpu.pg + cpu.sim) / (c1.sim + c1.bench));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [k, xs] of Object.entries(ratios))
    if (xs.length > 0)
      console.log(
        `re-sync ${k}: median ${median(xs)!.toFixed(3)} of ${xs.map((x) => x.toFixed(3)).join(' ')}`,
      );
  for (const [k, xs] of Object.entries(cpus))
    if (xs.length > 0)
      console.log(
        `re-sync ${k}: CPU re-sync / CPU bare read median ${median(xs)!.toFixed(3)} of ${xs.map((x) => x.toFixed(3)).join(' ')}`,
      );
}
