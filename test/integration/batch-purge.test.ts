/**
 * purge29: a finished batch's body (its records as sent: personal data) is removed after `api.batchRetentionDays`
 * by the nightly purge's step (jobs/change-purge.ts `purgeBatchBodies`, store/batch-purge.ts), its row kept: GET
 * still answers its summary and says the records were purged. Every body still needed is spared: a batch not
 * finished, one whose work is still to do (an open dead letter), one a guard hold awaits a decision on, the body a
 * re-push points at while that re-push is spared or young, the body a re-push carried after the arrival of a batch
 * still to be ingested. A reader that meets a purged body anyway refuses it (410 ERR_BATCH_RECORDS_PURGED) and
 * changes nothing. Real PostgreSQL; a batch's age is set by moving its row's times back, as the database's clock
 * judges it.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { purgeBatchBodies } from '../../src/jobs/change-purge.js';
import { createWorkerContext, type WorkerContext } from '../../src/jobs/context.js';
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import { RECORDS_PURGED } from '../../src/jobs/batch-status.js';
import { ingestJob } from '../../src/jobs/ingest.js';
import { expectProblem, goodBody, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';

const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (no worker runs here)

let ctx: WorkerContext;
beforeAll(() => {
  ctx = createWorkerContext(h.env.deps);
});

const DAYS = () => h.env.config.api.batchRetentionDays;
const OLD = () => DAYS() + 10;
const q = <R extends object>(sql: string, params: unknown[] = []) => h.env.deps.db.query<R>(sql, params);

let n = 0;
/** A body of one student with a code of its own (so no two tests share a body unless they mean to). */
const body = (tag: string) => goodBody([`PRG${tag}${Date.now() % 100000}${n++}`]);

async function push(payload: unknown): Promise<string> {
  const res = await h.pushBatch(h.tokens.vendor, S1, payload);
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ batchId: string }>().batchId;
}

/** The batch's ingest outbox row still to do. */
async function ingestRow(batchId: string): Promise<number | undefined> {
  const res = await q<{ id: number }>(
    `SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1 AND done_at IS NULL AND dead_at IS NULL`,
    [batchId],
  );
  return res.rows[0]?.id;
}

/** Runs the batch's ingest as a worker does (a repeat judged at once by the API has none: nothing to run). */
async function ingest(batchId: string): Promise<void> {
  const outboxId = await ingestRow(batchId);
  if (outboxId === undefined) return;
  const job = { id: `j-${outboxId}`, queue: ingestJob.queue, name: ingestJob.name, attempt: 1, outboxId };
  await ingestJob.run(ctx, { batchId }, job);
}

/** Moves the batch's arrival (and its finish, if finished) `days` into the past. */
async function age(batchId: string, days: number): Promise<void> {
  await q(
    `UPDATE truc.batches SET created_at = now() - make_interval(days => $2),
            finished_at = CASE WHEN finished_at IS NOT NULL THEN now() - make_interval(days => $2) END
      WHERE id = $1`,
    [batchId, days],
  );
}

async function bodyOf(
  batchId: string,
): Promise<{ purgedAt: Date | null; records: string; sameAs: string | null }> {
  const res = await q<{ purgedAt: Date | null; records: string; sameAs: string | null }>(
    `SELECT records_purged_at AS "purgedAt", records, same_as AS "sameAs" FROM truc.batches WHERE id = $1`,
    [batchId],
  );
  return res.rows[0]!;
}
const purged = async (batchId: string) => (await bodyOf(batchId)).purgedAt !== null;

const silent = captureLog('silent').logger;
const purge = (logger = silent) => purgeBatchBodies({ ...ctx, logger });

/** A pushed body ingested (done), arrived and finished `days` ago. */
async function finishedBatch(tag: string, days = OLD()): Promise<string> {
  const id = await push(body(tag));
  await ingest(id);
  await age(id, days);
  return id;
}

describe('batch bodies past api.batchRetentionDays', () => {
  it('defaults to 30 days', () => {
    expect(DAYS()).toBe(30);
  });

  it('removes an old finished body and keeps its row: GET says so, its findings still read; a young one stays', async () => {
    const old = await finishedBatch('OLD');
    const young = await finishedBatch('YOUNG', DAYS() - 1);
    const before = await h.get(`/v1/batches/${old}`, h.tokens.vendor);
    expect(before.json<{ recordsPurged: unknown }>().recordsPurged).toBeNull();
    const { logger, lines } = captureLog();
    const purgedTotal = async () => (await ctx.metrics.batchBodiesPurged.get()).values[0]?.value ?? 0;
    const counted = await purgedTotal();
    const out = await purge(logger);
    expect(out.purged).toBeGreaterThanOrEqual(1);
    expect(out.olderThanDays).toBe(DAYS());
    expect((await purgedTotal()) - counted).toBe(out.purged);
    // The log line: the age and the count, no batch id, no record.
    const line = lines.find((l) => l.msg === 'batch bodies purged');
    expect(line).toMatchObject({ olderThanDays: DAYS(), purged: out.purged });
    expect(JSON.stringify(line)).not.toContain(old);
    expect(JSON.stringify(line)).not.toContain('PRG');

    const gone = await bodyOf(old);
    expect(gone.purgedAt).not.toBeNull();
    expect(gone.records).toBe('[]');
    expect(await purged(young)).toBe(false);
    const view = await h.get(`/v1/batches/${old}`, h.tokens.vendor);
    expect(view.statusCode, view.body).toBe(200);
    const seen = view.json<Record<string, unknown>>();
    const was = before.json<Record<string, unknown>>();
    expect(seen).toMatchObject({ status: was.status, counts: was.counts, errorCode: was.errorCode });
    expect(seen.recordsPurged).toEqual({ at: gone.purgedAt!.toISOString(), message: RECORDS_PURGED });
    expect((await h.get(`/v1/batches/${old}/findings`, h.tokens.vendor)).statusCode).toBe(200);
    // Purged once: the next run finds nothing more of it.
    await purge();
    expect((await bodyOf(old)).purgedAt).toEqual(gone.purgedAt);
  });

  it('spares a batch not finished (queued, held whole), then purges it once finished', async () => {
    const queued = await push(body('QUEUED'));
    await age(queued, OLD());
    const held = await push(body('HELD'));
    await q(`UPDATE truc.batches SET status = 'held' WHERE id = $1`, [held]);
    await q(`UPDATE truc.outbox SET done_at = now() WHERE payload->>'batchId' = $1`, [held]);
    await age(held, OLD());
    await purge();
    expect(await purged(queued)).toBe(false);
    expect(await purged(held)).toBe(false);

    await ingest(queued);
    await age(queued, OLD());
    await q(
      `UPDATE truc.batches SET status = 'failed', error_code = 'ERR_GUARD_REJECTED',
                    finished_at = created_at WHERE id = $1`,
      [held],
    );
    await purge();
    expect(await purged(queued)).toBe(true);
    expect(await purged(held)).toBe(true);
  });

  it('spares a batch whose ingest letter is open (its replay reads the body) and one a guard hold awaits', async () => {
    const lettered = await push(body('LETTER'));
    await recordDeadLetter(h.env.deps.db, {
      outboxId: await ingestRow(lettered),
      queue: ingestJob.queue,
      name: ingestJob.name,
      jobId: 'dl',
      payload: { batchId: lettered },
      code: 'ERR_INTERNAL',
      message: 'failed for good',
      attempts: 8,
      at: new Date(),
    });
    await age(lettered, OLD());
    const guarded = await finishedBatch('GUARD');
    const hold = await q<{ id: number }>(
      `INSERT INTO truc.guard_holds (kind, batch_id, entity, status, diff, reasons)
       VALUES ('batch', $1, 'students', 'held', '[]', '[]') RETURNING id`,
      [guarded],
    );
    await purge();
    expect((await bodyOf(lettered)).purgedAt).toBeNull();
    expect(await purged(guarded)).toBe(false);

    // The letter closed (abandoned) and the hold decided: nothing reads them any more.
    await q(
      `UPDATE truc.dead_letters SET abandoned_at = now()
              WHERE outbox_id IN (SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1)`,
      [lettered],
    );
    await q(`UPDATE truc.guard_holds SET status = 'rejected', decided_at = now() WHERE id = $1`, [
      hold.rows[0]!.id,
    ]);
    await purge();
    expect(await purged(lettered)).toBe(true);
    expect(await purged(guarded)).toBe(true);
  });

  it('spares the body a re-push points at while that re-push is young or pending; purged, a push of it is stored anew', async () => {
    const payload = body('REPEAT');
    const holder = await push(payload);
    await ingest(holder);
    const repeat = await push(payload);
    expect((await bodyOf(repeat)).sameAs).toBe(holder);
    await ingest(repeat);
    await age(holder, OLD());
    await purge(); // the re-push is young: its body is today's word
    expect(await purged(holder)).toBe(false);

    await age(repeat, OLD());
    await q(`UPDATE truc.batches SET status = 'queued', finished_at = NULL WHERE id = $1`, [repeat]);
    await purge(); // the re-push is old but still to be judged: it reads the body
    expect(await purged(holder)).toBe(false);

    await q(`UPDATE truc.batches SET status = 'done', finished_at = created_at WHERE id = $1`, [repeat]);
    await purge();
    expect(await purged(holder)).toBe(true);
    // The re-push reads its holder's body: GET says it is gone for it too.
    const view = await h.get(`/v1/batches/${repeat}`, h.tokens.vendor);
    expect(view.json<{ recordsPurged: { at: string } | null }>().recordsPurged).not.toBeNull();

    // The same bytes again: no batch keeps them, so the push keeps its own body and is judged as new.
    const again = await push(payload);
    const kept = await bodyOf(again);
    expect(kept.sameAs).toBeNull();
    expect(kept.records).not.toBe('[]');
    await ingest(again);
    expect((await h.get(`/v1/batches/${again}`, h.tokens.vendor)).json()).toMatchObject({
      status: 'done',
      recordsPurged: null,
    });
  });

  it('spares a body a re-push carried after the arrival of a batch still to be ingested (it reads what re-pushes carried)', async () => {
    const payload = body('CARRIED');
    const holder = await push(payload);
    await ingest(holder);
    const repeat = await push(payload);
    await ingest(repeat);
    await age(holder, OLD() + 2);
    await age(repeat, OLD()); // finished after the pending batch below arrived
    const pending = await push(body('PENDING'));
    await age(pending, OLD() + 1);
    await purge();
    expect(await purged(holder)).toBe(false);

    await ingest(pending);
    await age(pending, OLD() + 1);
    await purge();
    expect(await purged(holder)).toBe(true);
  });

  it('a dead letter replay of a batch whose body was purged (by hand) answers 410 ERR_BATCH_RECORDS_PURGED, nothing changes', async () => {
    const batchId = await push(body('REPLAY'));
    await recordDeadLetter(h.env.deps.db, {
      outboxId: await ingestRow(batchId),
      queue: ingestJob.queue,
      name: ingestJob.name,
      jobId: 'dl2',
      payload: { batchId },
      code: 'ERR_INTERNAL',
      message: 'failed for good',
      attempts: 8,
      at: new Date(),
    });
    const letter = await q<{ id: number }>(
      `SELECT d.id FROM truc.dead_letters d JOIN truc.outbox o ON o.id = d.outbox_id WHERE o.payload->>'batchId' = $1`,
      [batchId],
    );
    const letterId = Number(letter.rows[0]!.id);
    await q(`UPDATE truc.batches SET records = '[]', records_purged_at = now() WHERE id = $1`, [batchId]);
    const before = await h.snapshot();

    const res = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, { ids: [letterId] });
    const problem = expectProblem(res, 410, 'ERR_BATCH_RECORDS_PURGED');
    expect(problem.detail).toContain(batchId);
    expect(await h.snapshot()).toEqual(before);
    const still = await q<{ replayed: Date | null; status: string }>(
      `SELECT d.replayed_at AS replayed, b.status FROM truc.dead_letters d, truc.batches b
        WHERE d.id = $1 AND b.id = $2`,
      [letterId, batchId],
    );
    expect(still.rows[0]).toEqual({ replayed: null, status: 'failed' });
  });

  it('an ingest that meets a purged body (a re-push that found it as it went) fails with the code, writes nothing', async () => {
    const payload = body('RACE');
    const holder = await push(payload);
    await ingest(holder);
    await q(`UPDATE truc.batches SET records = '[]', records_purged_at = now() WHERE id = $1`, [holder]);
    // As if the API had found the holder the instant before: a re-push pointing at it, queued.
    const repeat = randomUUID();
    await q(
      `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, body_sha256, same_as)
       SELECT $1, client_id, school_code, entity, format, 'queued', '[]', received, body_sha256, id FROM truc.batches WHERE id = $2`,
      [repeat, holder],
    );
    const row = await q<{ id: number }>(
      `INSERT INTO truc.outbox (queue, job_name, payload) VALUES ($1, $2, $3) RETURNING id`,
      [ingestJob.queue, ingestJob.name, { batchId: repeat }],
    );
    await ingestJob.run(
      ctx,
      { batchId: repeat },
      {
        id: 'race',
        queue: ingestJob.queue,
        name: ingestJob.name,
        attempt: 1,
        outboxId: Number(row.rows[0]!.id),
      },
    );
    const view = await h.get(`/v1/batches/${repeat}`, h.tokens.vendor);
    expect(view.json()).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_BATCH_RECORDS_PURGED',
      counts: { accepted: 0, rejected: 0, unchanged: 0 },
    });
  });

  it('0 keeps every body', async () => {
    const old = await finishedBatch('NEVER');
    const out = await purgeBatchBodies({
      ...ctx,
      logger: silent,
      config: { ...ctx.config, api: { ...ctx.config.api, batchRetentionDays: 0 } },
    });
    expect(out.purged).toBe(0);
    expect(await purged(old)).toBe(false);
  });
});
