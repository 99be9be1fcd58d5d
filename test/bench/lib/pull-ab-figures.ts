/**
 * ./pull-ab.ts's figures of one measured run, their medians, and its comparison of two sets of node
 * options (AB_NODE_ARGS_B): not part of `npm test` nor of `npm run bench`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One measured run, a page of 1000 students (ms) unless said otherwise. */
export interface Figures {
  pages: number;
  wall: number;
  main: number;
  process: number;
  /** The process's system CPU (page faults, syscalls) and its minor page faults, a page. */
  sys: number;
  faults: number;
  gc: number;
  /** Of `gc`, the pauses of full (mark-compact) collections, incremental marking steps included. */
  gcMajor: number;
  pg: number;
  sim: number;
  load: number;
  stored: string;
  /** AB_MODE=resync: the bare read's main thread CPU and wall a page. */
  bareMain?: number;
  bareWall?: number;
}

export const fmt = (f: Figures): string =>
  `${f.pages} pages, ms a page: truc main ${f.main.toFixed(1)}, truc process ${f.process.toFixed(1)} (system ${f.sys.toFixed(1)}, ` +
  `GC pauses ${f.gc.toFixed(1)} (full ${f.gcMajor.toFixed(1)}); ${f.faults.toFixed(0)} page faults), ` +
  `PostgreSQL ${f.pg.toFixed(1)}, simulator ${f.sim.toFixed(1)}, wall ${f.wall.toFixed(0)}; load ${f.load.toFixed(1)}` +
  (f.bareWall === undefined
    ? ''
    : `; bare read main ${f.bareMain!.toFixed(1)}, wall ${f.bareWall.toFixed(1)}, bare/wall ${(f.bareWall / f.wall).toFixed(3)}`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Per figure, each side's median over its runs (A's `fa`, B's `fb`) and B/A. */
export function printMedians(fa: readonly Figures[], fb: readonly Figures[]): void {
  const keys = [
    'main',
    'process',
    'sys',
    'faults',
    'gc',
    'gcMajor',
    'pg',
    'sim',
    'wall',
    ...(fa[0]?.bareWall === undefined ? [] : (['bareMain', 'bareWall'] as const)),
  ] as const;
  const med = (fs: readonly Figures[], k: (typeof keys)[number]) => median(fs.map((f) => f[k] ?? NaN));
  for (const k of keys) {
    const [ma, mb] = [med(fa, k), med(fb, k)];
    console.log(
      `median ${k.padEnd(8)} A ${ma.toFixed(1).padStart(7)}  B ${mb.toFixed(1).padStart(7)} ms a page  B/A ${(mb / ma).toFixed(3)}`,
    );
  }
}

/** What a child process of nodeArgsAb leaves in its AB_OUT file (a line each). */
interface ChildRuns {
  figures: Figures[];
  maxRssMb: number;
}

/** The line a child process appends to its AB_OUT file: its runs and its peak RSS. */
export const childRunsLine = (figures: Figures[]): string =>
  `${JSON.stringify({ figures, maxRssMb: process.resourceUsage().maxRSS / 1024 } satisfies ChildRuns)}\n`;

/** A side of nodeArgsAb: a node binary and its options. */
export interface NodeSide {
  bin: string;
  args: readonly string[];
}

/**
 * AB_NODE_ARGS_B="<node options>" and/or AB_NODE_BIN_B=<node binary>: A and B differ in node options or
 * node version instead (e.g. GC settings, Node 24 against 20): AB_PAIRS (default 3) pairs of child
 * processes (`runChild`), A (this node, AB_NODE_ARGS or production's options) and B (its binary, its
 * options, else A's) alternated (A B, B A, …), each a whole `run` (its own warm-up and AB_ROUNDS rounds of `<dirA> <dirB>`,
 * usually one build twice); then each side's medians over all its measured runs, and its processes' peak
 * RSS (the whole harness: both builds, the pool, the queues; not the simulator, a child of its own).
 */
export function nodeArgsAb(
  runChild: (node: NodeSide, env: NodeJS.ProcessEnv) => number,
  nodeA: NodeSide,
  nodeB: NodeSide,
): void {
  const out = mkdtempSync(join(tmpdir(), 'truc-ab-args-'));
  const sides = [
    { name: 'A', node: nodeA, file: join(out, 'A.jsonl') },
    { name: 'B', node: nodeB, file: join(out, 'B.jsonl') },
  ];
  try {
    for (let p = 0; p < Number(process.env.AB_PAIRS ?? 3); p++)
      for (const s of p % 2 === 0 ? sides : [...sides].reverse()) {
        console.log(`pair ${p + 1} ${s.name}:`);
        if (runChild(s.node, { AB_OUT: s.file }) !== 0) throw new Error(`side ${s.name} failed`);
      }
    const runs = sides.map((s) =>
      readFileSync(s.file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ChildRuns),
    );
    sides.forEach((s, i) =>
      console.log(
        `${s.name} = ${s.node.bin} ${s.node.args.join(' ')}; peak RSS ${runs[i]!.map((x) => x.maxRssMb.toFixed(0)).join(', ')} MB`,
      ),
    );
    printMedians(...(runs.map((r) => r.flatMap((x) => x.figures)) as [Figures[], Figures[]]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
