/**
 * What a run's PostgreSQL backends were doing, moment by moment (issue 7, perf11c; bench tools, not npm test): a
 * connection of its own reads `pg_stat_activity` every `PG_WAITS_MS` (default 20) and counts each backend of the
 * run's database (its own left out) by whose connection it serves (./pg-owners.ts: `api`, `worker`, `bench`, `other`),
 * its `state` and its wait event. The summary gives, per owner, the mean number of its backends in each state over
 * the run and that as ms a batch (the backends' time summed): `active` (on a CPU, queued for one, or waiting on the
 * event named: `Lock:…`, `LWLock:…`, `IO:WALSync`…), `idle in transaction` (a transaction open, waiting for its
 * client: truc's main thread busy or queued for a core, or its job waiting on Redis), `idle` (a pooled connection
 * nobody uses). Where a batch waits that is not CPU shows as the non-CPU events; `active` without an event is CPU.
 */
import pg from 'pg';
import { portOwners } from './pg-owners.js';

interface Row {
  pid: number;
  port: number | null;
  state: string | null;
  wait: string | null;
}

export interface PgWaits {
  /** Stops sampling; the summary for `batches` batches (see the file comment), `label` first. */
  stop(label: string, batches: number): Promise<string>;
}

/**
 * Starts sampling the backends of `databaseUrl`'s database; `procs` name the processes whose connections they serve.
 */
export async function startPgWaits(
  databaseUrl: string,
  procs: readonly { name: string; pid: number }[],
): Promise<PgWaits> {
  const ms = Number(process.env.PG_WAITS_MS ?? 20);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let owners = portOwners(procs);
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const started = performance.now();
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const t = performance.now();
      if (i % 25 === 0) owners = portOwners(procs);
      const r = await client.query<Row>(
        `SELECT pid, client_port AS port, state,
                CASE WHEN wait_event IS NULL THEN NULL ELSE wait_event_type || ':' || wait_event END AS wait
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND backend_type = 'client backend'`,
      );
      samples += 1;
      for (const b of r.rows) {
        const owner = (b.port !== null ? owners.get(b.port) : undefined) ?? 'other';
        const what = b.state === 'active' && b.wait ? `active ${b.wait}` : (b.state ?? '?');
        const key = `${owner}\t${what}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const left = ms - (performance.now() - t);
      if (left > 0) await new Promise((done) => setTimeout(done, left));
    }
  })();
  return {
    async stop(label, batches) {
      running = false;
      await loop;
      await client.end();
      const wallMs = performance.now() - started;
      const rows = [...counts]
        .map(([key, n]) => {
          const [owner, what] = key.split('\t') as [string, string];
          const mean = n / Math.max(1, samples);
          return { owner, what, mean, perBatch: (mean * wallMs) / batches };
        })
        .sort((a, b) => a.owner.localeCompare(b.owner) || b.mean - a.mean);
      return [
        `${label} backends over ${(wallMs / 1000).toFixed(1)} s, ${samples} samples (mean backends, ms a batch):`,
        ...rows.map(
          (x) => `  ${x.owner} ${x.what}: ${x.mean.toFixed(2)} (${x.perBatch.toFixed(1)} ms a batch)`,
        ),
      ].join('\n');
    },
  };
}
