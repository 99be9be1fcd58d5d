/**
 * The snapshot bench's probes (test/bench/snapshot.ts): the small batches another school's vendor sends while a
 * stage's own batches run, when each was posted, queued, taken and done (BullMQ's stamps in Redis), and where they
 * spent their time.
 */
import { Redis } from 'ioredis';
import type { Db } from '../../../src/store/db.js';
import { jobIdOf, readInstallId } from '../../../src/store/outbox.js';
import { REDIS_URL } from './truc-env.js';
import { percentile } from './types.js';

/** A probe batch: when it was POSTed, answered 202 and seen done (epoch ms). */
export interface ProbeTimes {
  id: string;
  posted: number;
  answered: number;
  seen: number;
}

/** A batch's ingest job as BullMQ stamped it (epoch ms): added to the queue, taken by a worker, finished. */
export interface JobTimes {
  added: number;
  started: number;
  finished: number;
}

/** The ingest jobs of the batches `ids` (by batch id), read from the queue's job hashes under `prefix`. */
export async function jobTimes(
  db: Db,
  prefix: string,
  ids: readonly string[],
): Promise<Map<string, JobTimes>> {
  const install = await readInstallId(db);
  const rows = await db.query<{ batch: string; id: string }>(
    `SELECT payload->>'batchId' AS batch, id::text AS id FROM truc.outbox
      WHERE queue = 'ingest' AND payload->>'batchId' = ANY($1::text[])`,
    [ids],
  );
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const out = new Map<string, JobTimes>();
  try {
    for (const row of rows.rows) {
      const key = `${prefix}:ingest:${jobIdOf(install, Number(row.id))}`;
      const [added, started, finished] = await r.hmget(key, 'timestamp', 'processedOn', 'finishedOn');
      if (added && started && finished)
        out.set(row.batch, { added: Number(added), started: Number(started), finished: Number(finished) });
    }
  } finally {
    r.disconnect();
  }
  return out;
}

/** The longest event-loop delay of a process since its metrics were last read, ms (prom-client resets it). */
export async function loopLagMaxMs(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000;
}

/**
 * Where the probes that ran beside the stage's own batches spent their time (p50 of each, ms): the POST until
 * its 202, from the 202 until the relay added its job, in the queue until a worker took it, the job itself, and
 * from its end until the bench saw it done.
 */
export interface ProbeSplit {
  beside: number;
  post: number;
  relay: number;
  queued: number;
  running: number;
  after: number;
  /** The stage's own ingest jobs: queued and running, summed, s. */
  own: { queued: number; running: number };
  /** The longest event-loop delay of the worker and of the api during the stage, ms. */
  lagMax: { worker: number; api: number };
}

export function probeSplit(
  probes: readonly ProbeTimes[],
  jobs: ReadonlyMap<string, JobTimes>,
  ownIds: readonly string[],
  lagMax: ProbeSplit['lagMax'],
): ProbeSplit {
  const own = ownIds.map((id) => jobs.get(id)).filter((j): j is JobTimes => j !== undefined);
  const from = Math.min(...own.map((j) => j.started));
  const to = Math.max(...own.map((j) => j.finished));
  const beside = probes.flatMap((p) => {
    const j = jobs.get(p.id);
    return j && j.finished > from && p.posted < to ? [{ p, j }] : [];
  });
  const p50 = (f: (x: { p: ProbeTimes; j: JobTimes }) => number) => percentile(beside.map(f), 50);
  return {
    beside: beside.length,
    post: p50(({ p }) => p.answered - p.posted),
    relay: p50(({ p, j }) => j.added - p.answered),
    queued: p50(({ j }) => j.started - j.added),
    running: p50(({ j }) => j.finished - j.started),
    after: p50(({ p, j }) => p.seen - j.finished),
    own: {
      queued: own.reduce((a, j) => a + j.started - j.added, 0) / 1000,
      running: own.reduce((a, j) => a + j.finished - j.started, 0) / 1000,
    },
    lagMax,
  };
}

/** BENCH_SNAPSHOT_DEBUG=1: each job's and probe's times, ms after the first probe was POSTed. */
export function printTimes(
  ids: readonly string[],
  probes: readonly ProbeTimes[],
  jobs: ReadonlyMap<string, JobTimes>,
) {
  const t0 = probes[0]?.posted ?? 0;
  const t = (ms: number | undefined) => (ms === undefined ? '-' : (ms - t0).toFixed(0));
  for (const id of ids) {
    const j = jobs.get(id);
    console.log(
      `  own ${id.slice(0, 8)}: added ${t(j?.added)} started ${t(j?.started)} finished ${t(j?.finished)}`,
    );
  }
  for (const p of probes) {
    const j = jobs.get(p.id);
    console.log(
      `  probe ${p.id.slice(0, 8)}: posted ${t(p.posted)} answered ${t(p.answered)} added ${t(j?.added)} ` +
        `started ${t(j?.started)} finished ${t(j?.finished)} seen ${t(p.seen)}`,
    );
  }
}

export const fmtSplit = (x: ProbeSplit): string =>
  `the ${x.beside} probes beside its batches, p50 ms: POST ${x.post.toFixed(0)}, to the queue ${x.relay.toFixed(0)}, ` +
  `queued ${x.queued.toFixed(0)}, running ${x.running.toFixed(0)}, seen done after ${x.after.toFixed(0)}; ` +
  `its own jobs queued ${x.own.queued.toFixed(2)} s, running ${x.own.running.toFixed(2)} s; ` +
  `longest event-loop delay worker ${x.lagMax.worker.toFixed(0)} ms, api ${x.lagMax.api.toFixed(0)} ms`;
