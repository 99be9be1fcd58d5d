/**
 * Chains the events hot paths record with `recordAudit` (./chain.ts): one loop per process and database
 * handle, shared by every chainer made on it (the api's and the worker role's in `truc all`), woken by
 * `kick()` after such a write commits and every `everyMs` (events a crashed process left, or another
 * process's), never two passes at a time in one process; the chain's lock orders processes. Each pass
 * chains up to `batch` events per transaction until none are left. Failing passes are logged once, when they start
 * failing, and once when one succeeds again (fix37d: a read-only database logged a warning at every tick), and the
 * next tick tries again: pending events stay in the database until they are chained.
 *
 * Issue 7 (perf30b): a kick starts a pass at once when no kicked pass started in the last {@link KICK_GAP_MS},
 * else at the end of that gap, with whatever was recorded meanwhile: under a stream of vendor batches (two
 * events each, one kick from the api and one from the worker each) one pass chains several batches' events,
 * where each of two loops ran about one pass a batch; an event recorded alone is chained at once as before.
 * A kicked pass goes straight to the chain (its kicker has just recorded an event); a timer's tick looks
 * first whether anything waits, so an idle process does not take the chain's lock every second.
 */
import type { Logger } from 'pino';
import { outageLog } from '../observability/outage.js';
import type { Db } from '../store/db.js';
import { auditPending, chainPending } from './chain.js';

export interface AuditChainer {
  /** Chain what is pending now (coalesced with a pass running or due). */
  kick(): void;
  start(): void;
  /** Stops this chainer (the loop's timer with its last one), waits for a running pass and chains what is left (best effort). */
  stop(): Promise<void>;
}

/** The shortest time between the starts of two kicked passes of one loop. */
export const KICK_GAP_MS = 250;

interface User {
  everyMs: number;
  batch: number;
  logger: Pick<Logger, 'warn' | 'info'>;
}

/** Chains what is pending, `batch` events a transaction, until none is left; with `look`, only if a look finds some. */
async function chainAll(db: Db, batch: number, look: boolean): Promise<void> {
  if (look && !(await auditPending(db))) return;
  for (let i = 0; i < 10_000; i++) {
    if ((await db.tx((q) => chainPending(q, batch))) < batch) return;
  }
}

/** A timer at the shortest `everyMs` of the chainers it is set for (none without any). */
function tickTimer(tick: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let every = 0;
  return function retime(users: Iterable<User>): void {
    const next = Math.min(...[...users].map((u) => u.everyMs));
    if (timer && next === every) return;
    if (timer) clearInterval(timer);
    timer = undefined;
    if (!Number.isFinite(next)) return;
    every = next;
    timer = setInterval(tick, next);
    timer.unref();
  };
}

/** When the last kicked pass started, and the kicked pass due at the end of its gap. */
interface Gap {
  kickedAt: number;
  due: NodeJS.Timeout | undefined;
}

/** Runs a kicked pass now if none started in the last {@link KICK_GAP_MS}, else once the gap is over (one at a time). */
function kickAfterGap(gap: Gap, run: () => void): void {
  if (gap.due) return;
  const wait = gap.kickedAt + KICK_GAP_MS - Date.now();
  if (wait <= 0) return run();
  gap.due = setTimeout(() => {
    gap.due = undefined;
    run();
  }, wait);
  gap.due.unref();
}

/** The batch and logger of a pass run when no chainer is started (a kick before `start`). */
const FALLBACK: User = { everyMs: Infinity, batch: 1000, logger: console };

/**
 * A database away or refusing writes (read-only after a failover, its disk full: fix37d, review35a F6) fails every
 * pass until it is back: logged when the passes start failing (with the SQLSTATE) and when one succeeds again, by the
 * loop's first chainer's logger.
 */
function chainOutage(logger: () => User['logger']) {
  return outageLog(
    {
      warn: (...a: unknown[]) => logger().warn(...(a as [object, string])),
      info: (...a: unknown[]) => logger().info(...(a as [object, string])),
    },
    {
      failing:
        'audit: chaining pending events failing (database unreachable, or refusing writes: read-only, disk full); ' +
        'retrying at every pass. Logged again when one succeeds',
      back: 'audit: chaining succeeds again',
    },
  );
}

/** The one chaining loop of a database handle in this process. */
function chainLoop(db: Db) {
  const users = new Set<User>();
  let running: Promise<void> | undefined;
  /** Asked again while a pass ran: by a kick (no look first) or by the timer only. */
  let again: 'kick' | 'tick' | undefined;
  const gap: Gap = { kickedAt: -Infinity, due: undefined };
  const first = (): User => users.values().next().value ?? FALLBACK;
  const batchOf = (): number => Math.min(...[...users].map((u) => u.batch), first().batch);
  const outage = chainOutage(() => first().logger);

  async function pass(kicked: boolean): Promise<void> {
    for (let look = !kicked; ; look = again === 'tick') {
      again = undefined;
      if (!look) gap.kickedAt = Date.now();
      await chainAll(db, batchOf(), look);
      if (!again) return;
    }
  }
  function run(kicked: boolean): Promise<void> {
    if (running) {
      if (kicked || !again) again = kicked ? 'kick' : 'tick';
      return running;
    }
    running = pass(kicked)
      .then(() => outage.ok())
      .catch((err: unknown) => outage.failed(err))
      .finally(() => {
        running = undefined;
      });
    return running;
  }
  const retime = tickTimer(() => void run(false));

  return {
    kick: () => kickAfterGap(gap, () => void run(true)),
    start(user: User): void {
      users.add(user);
      retime(users);
      void run(false);
    },
    /** Takes `user` off the loop, then chains what is left (the loop's last pass when it was the last one). */
    async stop(user: User): Promise<void> {
      users.delete(user);
      retime(users);
      if (users.size === 0) gap.due = void clearTimeout(gap.due);
      await running;
      users.add(user); // its batch and logger for its last pass (the timer was set without it)
      try {
        await run(false);
      } finally {
        users.delete(user);
      }
    },
  };
}

const loops = new WeakMap<Db, ReturnType<typeof chainLoop>>();

function loopOf(db: Db): ReturnType<typeof chainLoop> {
  let loop = loops.get(db);
  if (!loop) loops.set(db, (loop = chainLoop(db)));
  return loop;
}

export function createAuditChainer(
  db: Db,
  opts: { everyMs: number; batch?: number; logger: Pick<Logger, 'warn' | 'info'> },
): AuditChainer {
  const user: User = { everyMs: opts.everyMs, batch: opts.batch ?? 1000, logger: opts.logger };
  let state: 'new' | 'started' | 'stopped' = 'new';
  return {
    kick() {
      if (state !== 'stopped') loopOf(db).kick();
    },
    start() {
      if (state !== 'new') return;
      state = 'started';
      loopOf(db).start(user);
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      await loopOf(db).stop(user);
    },
  };
}
