/**
 * Child processes of the benches: spawn a node process running a TypeScript entry (through tsx), wait
 * for a stdout line, read its peak RSS (Linux VmHWM) and stop it. Only processes the bench started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Child {
  child: ChildProcess;
  /** Resolves with the first stdout line matching `re`; rejects when the process exits first or after `ms`. */
  line(re: RegExp, ms: number): Promise<string>;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakMb(): number;
  stderr(): string;
  stop(): Promise<void>;
}

/** Current and peak resident set size of a process (Linux /proc), in bytes. */
export function procRss(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * `node [...nodeArgs] --import tsx <entry> ...args` with `env` added to `base` (default: this process's environment;
 * {@link plainEnvironment}: none of its settings).
 */
export function spawnTs(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  base: NodeJS.ProcessEnv = process.env,
): Child {
  return spawnNode(entry, args, env, [...nodeArgs, '--import', 'tsx'], base);
}

/** This process's PATH, HOME, TMPDIR and locale only: a child given them and its own settings reads nothing else. */
export function plainEnvironment(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/** `node [...nodeArgs] <entry> ...args` (a built JavaScript entry) with `env` added to `base` (see {@link spawnTs}). */
export function spawnNode(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  base: NodeJS.ProcessEnv = process.env,
): Child {
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let peak = 0;
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out = (out + c).slice(-100_000)));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const peakMb = (): number => {
    try {
      if (child.exitCode === null) peak = Math.max(peak, procRss(child.pid!).peak / 2 ** 20);
    } catch {
      // exited between the check and the read: keep the last figure
    }
    return peak;
  };
  return {
    child,
    peakMb,
    stderr: () => err,
    line(re, ms) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          const m = out.split('\n').find((l) => re.test(l));
          if (m !== undefined) return resolve(m);
          if (child.exitCode !== null || child.signalCode !== null)
            return reject(new Error(`${entry} exited: ${err.slice(-2000)}`));
          if (Date.now() - started > ms) return reject(new Error(`${entry}: no line ${re} within ${ms} ms`));
          setTimeout(check, 50);
        };
        check();
      });
    },
    async stop() {
      peakMb();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** The node options production starts truc with: the Dockerfile's ENTRYPOINT between `node` and the program. */
export function productionNodeArgs(): string[] {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const argv = entry ? (JSON.parse(entry[1]!) as string[]) : [];
  return argv.slice(1, Math.max(1, argv.indexOf('dist/main.js')));
}
