/**
 * A V8 profile summed up: a .cpuprofile (`--cpu-prof`, BENCH_SYNC_PROF, pull-ab.ts's AB_PROF) by self time,
 * or a .heapprofile (pull-ab.ts's AB_PROF: sampled allocations) by bytes allocated, per function and per
 * file, and inclusively for the functions matching a pattern. Not part of `npm test`.
 *
 *   npx tsx test/bench/lib/profile-summary.ts <file> [top=40] [inclusive-regex]
 */
import { readFileSync } from 'node:fs';
import type { CpuProfile, Frame } from './cpu-profile.js';

interface HeapNode {
  callFrame: Frame;
  selfSize: number;
  children: HeapNode[];
}

/** One weighted stack: its frames, innermost first, and its weight (µs of CPU, or bytes). */
type Stack = { frames: string[]; weight: number };

const short = (url: string): string =>
  url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/|dist\/|src\/)/, '$1');
const frameKey = (f: Frame): string =>
  `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}`;
const fileOf = (key: string): string => key.slice(key.indexOf(' ') + 1).replace(/:\d+$/, '') || key;

function cpuStacks(p: CpuProfile): Stack[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return p.samples.map((id, i) => {
    const frames: string[] = [];
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n))
      frames.push(frameKey(byId.get(n)!.callFrame));
    return { frames, weight: p.timeDeltas[i] ?? 0 };
  });
}

function heapStacks(head: HeapNode): Stack[] {
  const out: Stack[] = [];
  const walk = (n: HeapNode, above: string[]): void => {
    const frames = [frameKey(n.callFrame), ...above];
    if (n.selfSize > 0) out.push({ frames, weight: n.selfSize });
    for (const c of n.children) walk(c, frames);
  };
  walk(head, []);
  return out;
}

const [file, topArg, pattern] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile|file.heapprofile> [top] [inclusive-regex]');
  process.exit(2);
}
const top = Number(topArg ?? 40);
const json = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile & { head?: HeapNode };
const heap = json.head !== undefined;
const stacks = heap ? heapStacks(json.head!) : cpuStacks(json);
const total = stacks.reduce((s, x) => s + x.weight, 0);
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
for (const s of stacks) {
  add(byFn, s.frames[0]!, s.weight);
  add(byFile, fileOf(s.frames[0]!), s.weight);
}
const amount = (w: number) =>
  heap ? `${(w / 2 ** 20).toFixed(1).padStart(7)} MB` : `${(w / 1000).toFixed(0).padStart(7)} ms`;
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, w] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * w) / total).toFixed(1).padStart(5)} %  ${amount(w)}  ${k}`);
};
console.log(`total ${amount(total)} sampled (${heap ? 'allocated' : 'CPU profile, wall-clock sampling'})`);
const what = heap ? 'bytes allocated' : 'self time';
print(`${what} by function`, byFn);
print(`${what} by file`, byFile);
if (pattern) {
  // Inclusive: a sample counts once for each distinct matching function on its stack.
  const re = new RegExp(pattern);
  const incl = new Map<string, number>();
  for (const s of stacks) for (const k of new Set(s.frames.filter((f) => re.test(f)))) add(incl, k, s.weight);
  print(`inclusive, functions matching /${pattern}/`, incl);
}
