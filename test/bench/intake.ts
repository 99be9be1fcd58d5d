/**
 * Issue 9 — API intake with an Idempotency-Key on every request, as the README tells vendors, against
 * a bare fastify server doing the same durable work. Both answer 202 to POSTs of the same 1000-record
 * canonical student batches (same bodies, same headers, same load generator: 10 concurrent loops in a
 * child process, 10 warm-up requests each, then the measured ones in ROUNDS rounds, each round sending
 * its share to truc with a key, to the bare server and to truc without a key, so the three see the
 * same machine load — on a shared machine it swings within seconds):
 *   - truc: authenticated (ES256 bearer), rate-limited, strict UTF-8 + hostile-input walk, body schema,
 *     tenancy, the Idempotency-Key lookup and save, batch row + outbox row + audit event in one
 *     transaction (the worker role is not running);
 *   - baseline: a bare fastify POST route (default JSON parser, same body limit) doing one `INSERT` of
 *     the body as jsonb into a plain table through a pg pool of the same size as truc's, then 202.
 * Rows: records/s and requests/s with the key (target ≥ 0.7), p99 with the key (baseline/value ≥ 0.7),
 * and the same without a key (informative; other bodies: every record's status date changed, since the
 * keyed run's bodies sent again would be repeats, stored without their records). Rates are the rounds'
 * 202s over their summed times, p99 over all their requests.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { combineLoads, runLoad, type LoadRequest, type LoadResult } from './lib/load.js';
import { acceptedPerSecond, assertAllAccepted, PUSH, vendorRequests } from './lib/push.js';
import { changedStatusDate, studentBatches, type StudentBatch } from './lib/students.js';
import { openTrucEnv } from './lib/truc-env.js';
import { costRow, rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'intake';
/** Three runs of 160 batches: more than the runner's default on a busy machine. */
export const timeoutSeconds = 600;

/** Rounds the measured requests are split into (keyed, bare, no key in each). */
const ROUNDS = 5;
const TARGET = 0.7;

/** The baseline: bare fastify, one jsonb INSERT per request, 202; listening until stop(). */
async function startBareFastify(
  databaseUrl: string,
  poolSize: number,
  bodyLimit: number,
): Promise<{ url: string; stop(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  await pool.query(
    'CREATE TABLE bench_intake (id bigserial PRIMARY KEY, school_code text NOT NULL, body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
  );
  const app = Fastify({ bodyLimit });
  app.post<{ Params: { schoolCode: string } }>('/v1/schools/:schoolCode/batches', async (request, reply) => {
    const res = await pool.query<{ id: string }>(
      'INSERT INTO bench_intake (school_code, body) VALUES ($1, $2::jsonb) RETURNING id',
      [request.params.schoolCode, JSON.stringify(request.body)],
    );
    const received = (request.body as { records: unknown[] }).records.length;
    return reply.code(202).send({ id: res.rows[0]!.id, status: 'queued', received });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    async stop() {
      await app.close();
      await pool.query('DROP TABLE bench_intake');
      await pool.end();
    },
  };
}

/**
 * The bodies of a second push of the same batches with every record changed (a status date), so no
 * body repeats an earlier one: a repeated body is stored without its records (issue 7, same_as), which
 * would make the run that sends it look faster than first pushes are.
 */
function freshBodies(batches: StudentBatch[]): string[] {
  return batches.map((b) =>
    JSON.stringify({
      entity: 'students',
      records: b.records.map((r) => ({ ...r, statusDate: changedStatusDate() })),
    }),
  );
}

/** The requests of round `r` of ROUNDS (the warm-up ones first in round 0), and its warm-up count. */
function roundOf(requests: LoadRequest[], r: number): { requests: LoadRequest[]; warmup: number } {
  const measured = requests.length - PUSH.warmup;
  const from = PUSH.warmup + Math.floor((measured * r) / ROUNDS);
  const to = PUSH.warmup + Math.floor((measured * (r + 1)) / ROUNDS);
  return r === 0
    ? { requests: requests.slice(0, to), warmup: PUSH.warmup }
    : { requests: requests.slice(from, to), warmup: 0 };
}

/** The rows of `n` measured batches: truc with a key and without one, each against the bare server. */
function rowsOf(
  n: number,
  { keyed, bare, plain }: Record<'keyed' | 'bare' | 'plain', LoadResult>,
): BenchRow[] {
  const what = `${n}×1000 students, 10 clients`;
  return [
    rateRow(
      `intake with Idempotency-Key ${what} vs bare fastify + jsonb INSERT`,
      'records/s',
      acceptedPerSecond(keyed) * PUSH.batchSize,
      acceptedPerSecond(bare) * PUSH.batchSize,
      TARGET,
    ),
    rateRow(
      `intake with Idempotency-Key vs bare fastify + jsonb INSERT`,
      'requests/s',
      acceptedPerSecond(keyed),
      acceptedPerSecond(bare),
      TARGET,
    ),
    costRow(
      `intake with Idempotency-Key p99 vs bare fastify + jsonb INSERT`,
      'ms',
      keyed.p99Ms,
      bare.p99Ms,
      TARGET,
    ),
    rateRow(
      `intake without a key ${what} vs bare fastify + jsonb INSERT`,
      'records/s',
      acceptedPerSecond(plain) * PUSH.batchSize,
      acceptedPerSecond(bare) * PUSH.batchSize,
      null,
    ),
    costRow(`intake without a key p99 vs bare fastify + jsonb INSERT`, 'ms', plain.p99Ms, bare.p99Ms, null),
  ];
}

export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const batches = studentBatches(
    scaled(PUSH.batches, opts.scale, 3) + PUSH.warmup,
    PUSH.batchSize,
    'truc-bench-intake',
  );
  const env = await openTrucEnv('postgres+redis');
  try {
    const { config } = env.deps;
    const api = await env.startApi();
    const bareServer = await startBareFastify(
      env.databaseUrl!,
      config.database.poolMax,
      config.server.bodyLimitBytes,
    );
    const requests = await vendorRequests(env, api.url, batches);
    const keyedRequests = requests(true);
    // Fresh bodies: the keyed run's again would be repeats (stored without their records).
    const plainRequests = requests(false, freshBodies(batches));
    const load = (baseUrl: string, all: LoadRequest[], r: number) =>
      runLoad({ baseUrl, concurrency: PUSH.concurrency, ...roundOf(all, r) });
    const runs: Record<'keyed' | 'bare' | 'plain', LoadResult[]> = { keyed: [], bare: [], plain: [] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.keyed.push(await load(api.url, keyedRequests, r));
      runs.bare.push(await load(bareServer.url, keyedRequests, r));
      runs.plain.push(await load(api.url, plainRequests, r));
    }
    await bareServer.stop();
    await api.stop();
    const keyed = combineLoads(runs.keyed);
    const bare = combineLoads(runs.bare);
    const plain = combineLoads(runs.plain);
    assertAllAccepted('truc with Idempotency-Key', keyed);
    assertAllAccepted('bare fastify', bare);
    assertAllAccepted('truc without a key', plain);
    return rowsOf(batches.length - PUSH.warmup, { keyed, bare, plain });
  } finally {
    await env.cleanup();
  }
}
