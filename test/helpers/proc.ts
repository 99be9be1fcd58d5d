/** Child processes for tests: spawn, read stdout line by line, wait for a line or the exit. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidRuns } from '../../src/store/pid-runs.js';

/** The repository root: the working directory of every `truc` process a test starts. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Variables that would point a `truc` process somewhere else than the test says. */
export const TRUC_VARIABLES =
  /^(TRUC_|DATABASE_URL|REDIS_URL|DATA_DIR|PORT|HOST|LOG_LEVEL|PUBLIC_URL|BODY_LIMIT|HCM_CSDL_|MOET_PCGD_|SMAS_|VNEDU_|VITEST|NODE_ENV)/;

/**
 * The environment of a `truc` process a test starts: the test runner's own minus anything that would
 * point truc elsewhere, the `test` profile, then `extra` (DATA_DIR, DATABASE_URL, a simulator's URL…).
 */
export function trucEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!TRUC_VARIABLES.test(k)) env[k] = v;
  return { ...env, TRUC_PROFILE: 'test', ...extra };
}

/**
 * The variable naming truc compiled to JavaScript for this test run (`<folder>/src/main.js`, test/global-setup.ts):
 * set in the test workers and passed on to what they start.
 */
export const BUILT_TRUC_VARIABLE = 'TEST_TRUC_MAIN';

/**
 * Node's arguments that run `truc <cli…>` (cwd ROOT): the run's compiled JavaScript (test/helpers/built-truc.ts), or
 * outside a vitest run the sources through tsx (`node --import tsx src/main.ts …`, what `npx tsx src/main.ts` runs,
 * without npm's own start-up before it: 1.2 CPU-s and 5-7 s of each command at load 30).
 */
export function trucArgs(cli: readonly string[]): string[] {
  const built = process.env[BUILT_TRUC_VARIABLE];
  return built ? [built, ...cli] : ['--import', 'tsx', 'src/main.ts', ...cli];
}

/**
 * The ports {@link freePort} hands out: below the kernel's ephemeral range (Linux: 32768-60999,
 * /proc/sys/net/ipv4/ip_local_port_range), which it draws from for `listen(0)` and for the local end of every outgoing
 * connection (PostgreSQL, Redis, HTTP). A port found free there and released was open to any connection made before
 * the child bound it (its start failed with EADDRINUSE). Below it, only an explicit bind takes a port: each vitest
 * worker (VITEST_POOL_ID) has a block of its own, walked from a random start; a port handed out is reserved (below).
 */
const PORT_BLOCK = 1_000;
const PORT_BLOCKS = 8;
function portBlock(): { base: number; next: number } {
  let ephemeralLow = 32_768;
  try {
    ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    /* not Linux: its usual range */
  }
  const pool = Math.max(1, Number(process.env.VITEST_POOL_ID ?? 1) || 1);
  const base = ephemeralLow - PORT_BLOCK * PORT_BLOCKS + PORT_BLOCK * ((pool - 1) % PORT_BLOCKS);
  return { base, next: Math.floor(Math.random() * PORT_BLOCK) };
}
let block: { base: number; next: number } | undefined;

/** Whether `port` can be bound on loopback now (bound, then released). */
function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Ports handed out by a live process (review12): runs of vitest side by side on one machine have workers of the same
 * VITEST_POOL_ID, so the same block; a port one run found free and handed out, not yet bound by its child, was free
 * for the other run too. Each claim is a file `<port>/<pid>` written first, then the port's folder is read: a claim of
 * another live process there means the port is not ours (ours is withdrawn). Two processes claiming at once may both
 * withdraw, never both keep it (the later reader sees the earlier's file). Claims of dead processes are ignored; a
 * process's own are its to reuse and are removed when it exits. (A taken-over single file was not safe: two processes
 * removing a dead one's file and creating their own interleaved, and both kept the port: CI, stop 68.)
 */
export const PORT_CLAIMS = join(tmpdir(), 'truc-test-port-claims');
const reservedHere: string[] = [];

/** Whether `port` is this process's now: claimed by it before, or newly (no other live process claims it). */
function reserve(port: number): boolean {
  const folder = join(PORT_CLAIMS, String(port));
  const mine = join(folder, String(process.pid));
  if (reservedHere.includes(mine)) return true;
  mkdirSync(folder, { recursive: true });
  writeFileSync(mine, '');
  const others = readdirSync(folder)
    .map(Number)
    .filter((pid) => pid !== process.pid && pidRuns(pid));
  if (others.length > 0) {
    rmSync(mine, { force: true });
    return false;
  }
  if (reservedHere.length === 0)
    process.once('exit', () => reservedHere.forEach((f) => rmSync(f, { force: true })));
  reservedHere.push(mine);
  return true;
}

/** A loopback port nothing listens on, for a process a test starts ({@link portBlock}: not one a connection takes). */
export async function freePort(): Promise<number> {
  block ??= portBlock();
  for (let tried = 0; tried < PORT_BLOCK; tried++) {
    const port = block.base + (block.next++ % PORT_BLOCK);
    if (reserve(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port in ${block.base}-${block.base + PORT_BLOCK - 1}`);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pred` (already seen or future); rejects on exit or timeout. */
  waitForLine(pred: (line: string) => boolean, timeoutMs: number): Promise<string>;
  exited: Promise<Exit>;
  /** Sends SIGKILL to the process and its descendants if still running (cleanup). */
  kill(): void;
}

/** Kills every process of `procs` still running (and its descendants) and waits until all have exited. */
export async function killAll(procs: readonly Spawned[]): Promise<void> {
  for (const p of procs) p.kill();
  await Promise.allSettled(procs.map((p) => p.exited));
}

/** What a spawned process has written so far, and the line waiters woken by each stdout chunk. */
interface Output {
  out: string;
  err: string;
  done: boolean;
  waiters: Set<() => void>;
}

/** The first stdout line matching `pred`, once written; rejected when the process ends or time runs out. */
function lineOf(o: Output, pred: (line: string) => boolean, timeoutMs: number): Promise<string> {
  const tail = () => `stdout: ${o.out.slice(-2000)} stderr: ${o.err.slice(-2000)}`;
  return new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const line = o.out.split('\n').find((l) => pred(l));
      if (line !== undefined) {
        cleanup();
        resolve(line);
      } else if (o.done) {
        cleanup();
        reject(new Error(`process exited before the expected line; ${tail()}`));
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no expected line within ${timeoutMs} ms; ${tail()}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      o.waiters.delete(check);
    };
    o.waiters.add(check);
    check();
  });
}

/**
 * Starts `command`. A node child (every `truc` a test starts) gets an IPC channel besides its pipes: a
 * long-running `truc` ends when the channel closes (src/cli/stop-signals.ts untilStopped), so it dies with the
 * test process even when that is killed, instead of living on with ppid 1.
 */
export function spawnProcess(command: string, args: readonly string[], opts: SpawnOptions = {}): Spawned {
  const stdio: SpawnOptions['stdio'] =
    command === process.execPath ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(command, args, { stdio, ...opts });
  const o: Output = { out: '', err: '', done: false, waiters: new Set() };
  const notify = (): void => {
    for (const w of [...o.waiters]) w();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    o.out += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    o.err += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      o.done = true;
      notify();
      resolve({ code, signal, stdout: o.out, stderr: o.err });
    });
    child.once('error', (e) => {
      o.err += String(e);
    });
  });
  return {
    child,
    stdout: () => o.out,
    stderr: () => o.err,
    exited,
    kill() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
        killTree(child.pid, 'SIGKILL');
    },
    waitForLine: (pred, timeoutMs) => lineOf(o, pred, timeoutMs),
  };
}

/** Runs a command to completion (killed after `timeoutMs`). */
export async function runProcess(
  command: string,
  args: readonly string[],
  opts: SpawnOptions & { timeoutMs?: number } = {},
): Promise<Exit> {
  const p = spawnProcess(command, args, opts);
  const timer = setTimeout(() => p.kill(), opts.timeoutMs ?? 60_000);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Pids of every live descendant of `pid` (Linux /proc), children before grandchildren. */
export function descendantPids(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  let frontier = [pid];
  for (let depth = 0; depth < 16 && frontier.length > 0; depth++) {
    const next = [...parentOf].filter(([, ppid]) => frontier.includes(ppid)).map(([p]) => p);
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** The command line of a live process ('' when gone). */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Sends `signal` to `pid` and every descendant (deepest first); ignores the ones already gone. */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const p of [...descendantPids(pid).reverse(), pid]) {
    try {
      process.kill(p, signal);
    } catch {
      /* gone */
    }
  }
}
