/**
 * review19 R19-7 / R19-8 (V1 under true concurrency; fixed by order20: the arrival comparison is in the write
 * statement itself, src/store/word-arrival.ts): two ingests of one vendor's batches running side by side
 * (two workers, or `jobs.concurrency` > 1). The older batch reads the stored copy, then the newer batch's ingest
 * runs on another connection, then the older batch writes: its older copy goes over the newer one. A rule judged
 * only from what the older batch read cannot see the newer write. R19-8: the same with a re-push of the vendor's
 * earlier body judged at once (it writes nothing) while the older batch's ingest runs. Real PostgreSQL: the other
 * ingest runs right before the older batch's record write is sent — to its end, or (an implementation that
 * serialises a school's ingests) until it waits for the older batch's lock, going on once the older commits.
 * race21: the instant order20 left open (right after the older batch's write statement) is closed by the school's
 * lock (src/store/school-lock.ts), taken by the ingest, the API's re-push judged at once and an approved snapshot
 * hold's deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptBatch, requestHash } from '../../src/api/batch-intake.js';
import { randomUUID } from 'node:crypto';
import { createWorkerContext } from '../../src/jobs/context.js';
import { acceptKnownRepeat, decideHold, queueBatch } from '../../src/jobs/contracts.js';
import { guardApplyJob } from '../../src/jobs/guard-apply.js';
import { DeferJob } from '../../src/jobs/define.js';
import { ingestJob, SCHOOL_BUSY_RETRY_MS } from '../../src/jobs/ingest.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { onConnection, type Queryable } from '../../src/store/db.js';
import { changedSince } from '../../src/store/record-tables.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { SCHOOL_LOCK_SPACE } from '../../src/store/school-lock.js';
import { S1, S2, student } from '../helpers/api.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { queueVendorBody, vendorBody } from '../helpers/vendor-batch.js';

describe('two ingests of one vendor’s batches side by side (review19 R19-7, R19-8)', () => {
  let env: TestEnv;
  let ctx: WorkerContext;
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });
    ctx = createWorkerContext(env.deps);
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  /**
   * Runs batch `batchId`'s ingest; `beforeWrite` runs once, right before its record write is sent (`when`
   * 'after': right after that write statement answered, before the batch's transaction commits).
   */
  async function ingest(
    batchId: string,
    beforeWrite?: () => Promise<void>,
    when: 'before' | 'after' = 'before',
  ) {
    const db = env.deps.db;
    const outbox = await db.query<{ id: number }>(
      `SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1 AND done_at IS NULL`,
      [batchId],
    );
    let fired = beforeWrite === undefined;
    const hooked = (q: Queryable): Queryable => ({
      async query<R = Record<string, unknown>>(
        sql: string,
        params?: readonly unknown[],
        opts?: Parameters<Queryable['query']>[2],
      ) {
        const write = !fired && /(UPDATE|INSERT INTO) truc\.students\b/.test(sql);
        if (write && when === 'before') {
          fired = true;
          await beforeWrite!();
        }
        if (write && when === 'after') {
          const res = await q.query<R>(sql, params, opts);
          fired = true;
          await beforeWrite!();
          return res;
        }
        return q.query<R>(sql, params, opts);
      },
    });
    const run = {
      ...ctx,
      db: { ...db, tx: <T>(fn: (q: Queryable) => Promise<T>) => db.tx((q) => fn(hooked(q))) },
    };
    const job = {
      id: 'j',
      queue: ingestJob.queue,
      name: ingestJob.name,
      attempt: 1,
      outboxId: outbox.rows[0]!.id,
    };
    // As the queue runs it (fair26): while its school's lock is held by another ingest the job is handed back
    // (nothing done) and runs again later.
    for (;;) {
      try {
        await ingestJob.run(run, { batchId }, job);
        break;
      } catch (err) {
        if (!(err instanceof DeferJob)) throw err;
        handedBack += 1;
        await new Promise((r) => setTimeout(r, SCHOOL_BUSY_RETRY_MS));
      }
    }
    expect(fired).toBe(true);
  }
  /** How many times an ingest was handed back because its school was busy (fair26). */
  let handedBack = 0;

  /**
   * Starts `other` from inside the older batch's transaction and lets it run to its end, until a backend of
   * the database waits for a lock (the older batch's: it goes on once the older commits), or until an ingest
   * is handed back because its school is busy (it runs again once the older commits). Returns its end.
   */
  async function sideBySide(other: () => Promise<void>): Promise<{ end: Promise<void> }> {
    let settled = false;
    const deferred = handedBack;
    const running = other().finally(() => {
      settled = true;
    });
    running.catch(() => undefined);
    for (let i = 0; i < 4000 && !settled && handedBack === deferred; i++) {
      const waiting = await env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (waiting.rows[0]!.n > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return { end: running };
  }

  const names = async (code: string) =>
    (
      await env.deps.db.query<{ name: string }>(
        `SELECT data->>'fullName' AS name FROM truc.students WHERE student_code = $1 AND deleted_at IS NULL`,
        [code],
      )
    ).rows.map((r) => r.name);
  const withName = (code: string, fullName: string) => [{ ...student(code), fullName }];

  it('R19-7: keeps the newer batch’s copy when the older one writes after the newer ran', async () => {
    const { batchId: first } = await queueVendorBody(env.deps.db, withName('RACEV1', 'Đặng Văn Gốc'));
    await ingest(first);
    // The vendor's correction, then its correction of the correction: stored in that order.
    const { batchId: older } = await queueVendorBody(env.deps.db, withName('RACEV1', 'Đặng Văn Cũ'));
    const { batchId: newer } = await queueVendorBody(env.deps.db, withName('RACEV1', 'Đặng Văn Mới'));
    // The older batch's ingest has read the stored copy when the newer one's runs on another worker.
    let other: Promise<void> = Promise.resolve();
    await ingest(older, async () => {
      other = (await sideBySide(() => ingest(newer))).end;
    });
    await other;
    expect(await names('RACEV1')).toEqual(['Đặng Văn Mới']);
  });

  it('R19-8: keeps what a re-push of the earlier body carried while an older batch ran', async () => {
    const a = withName('RACEV2', 'Đặng Thị Hoa');
    const { batchId: first } = await queueVendorBody(env.deps.db, a);
    await ingest(first);
    // The vendor's change (B), then it takes it back (A again): A's re-push is judged (at once: nothing of the
    // school is committed yet) while B's ingest, which has read but not written, runs.
    const { batchId: older } = await queueVendorBody(env.deps.db, withName('RACEV2', 'Đặng Thị Hồng'));
    let other: Promise<void> = Promise.resolve();
    await ingest(older, async () => {
      const { batchId: repush } = await queueVendorBody(env.deps.db, a);
      other = (await sideBySide(() => ingest(repush))).end;
    });
    await other;
    expect(await names('RACEV2')).toEqual(['Đặng Thị Hoa']);
  });

  // The instant order20 left open (review20 on order20 df6b35d): the re-push commits after the older batch's
  // write statement ran and before that batch commits. The statement could not see it; the re-push judged the
  // committed (old) state unchanged, and the older copy was written over the vendor's latest word. A school's
  // vendor words are one transaction at a time now (src/store/school-lock.ts): the re-push waits for the older
  // batch's commit, then is judged in full and writes its body.
  it('a re-push started between the older batch’s write and its commit waits, then keeps the vendor’s latest word', async () => {
    const a = withName('RACEV3', 'Đặng Thị Lan');
    const { batchId: first } = await queueVendorBody(env.deps.db, a);
    await ingest(first);
    const { batchId: older } = await queueVendorBody(env.deps.db, withName('RACEV3', 'Đặng Thị Loan'));
    let other: Promise<void> = Promise.resolve();
    await ingest(
      older,
      async () => {
        const { batchId: repush } = await queueVendorBody(env.deps.db, a);
        other = (await sideBySide(() => ingest(repush))).end;
      },
      'after',
    );
    await other;
    expect(await names('RACEV3')).toEqual(['Đặng Thị Lan']);
  });

  /**
   * The API's re-push of `records` (vendor-1's body for S1, pushed and judged before) as its route accepts it
   * (src/api/batch-intake.ts `acceptBatch`): without an Idempotency-Key, judged at once in one statement where it
   * can be, else in a transaction; with one, in a transaction. Returns the new batch's id and status.
   */
  async function pushAgainAtApi(records: unknown[], idempotencyKey?: string) {
    const db = env.deps.db;
    const body = vendorBody(records);
    const held = await createBatchesRepo(db).heldAndJudged(body.clientId, body.schoolCode, body.bodySha256);
    expect(held?.judged).toBeTruthy();
    const { response } = await acceptBatch(
      db,
      {
        clientId: body.clientId,
        schoolCode: body.schoolCode,
        body: {
          entity: 'students',
          format: held!.format,
          mode: held!.mode,
          records: records.map(() => ({})),
        },
        bodySha256: body.bodySha256,
        sameAs: held!.id,
        judged: held!.judged,
        idempotency:
          idempotencyKey === undefined
            ? undefined
            : {
                key: idempotencyKey,
                hash: requestHash(body.schoolCode, body.bodySha256),
                retentionHours: env.deps.config.api.idempotencyRetentionHours,
              },
        at: new Date(),
      },
      undefined,
      { now: env.deps.now, config: env.deps.config, metrics: env.deps.metrics },
    );
    const batchId = response.body.batchId;
    const row = await db.query<{ status: string }>(`SELECT status FROM truc.batches WHERE id = $1`, [
      batchId,
    ]);
    return { batchId, status: row.rows[0]!.status };
  }

  // The same instant at the API (race21): a re-push judged at once there is the vendor's word too. While an
  // ingest of its school is in progress, the API neither waits nor judges it from the committed state: it is
  // queued (its ingest judges it under the school's lock, after the older batch committed).
  for (const [how, key] of [
    ['in one statement (no Idempotency-Key)', undefined],
    ['in a transaction (an Idempotency-Key)', 'race21-repush-key'],
  ] as const) {
    it(`the API's re-push between the older batch’s write and its commit is queued, not judged at once: ${how}`, async () => {
      const code = key === undefined ? 'RACEV4' : 'RACEV5';
      const a = withName(code, 'Đặng Thị Mai');
      const { batchId: first } = await queueVendorBody(env.deps.db, a);
      await ingest(first);
      const { batchId: older } = await queueVendorBody(env.deps.db, withName(code, 'Đặng Thị Mận'));
      let repush: { batchId: string; status: string } | undefined;
      await ingest(
        older,
        async () => {
          repush = await pushAgainAtApi(a, key);
        },
        'after',
      );
      expect(repush!.status).toBe('queued');
      await ingest(repush!.batchId);
      expect(await names(code)).toEqual(['Đặng Thị Mai']);
    });
  }

  // perfu23: the route judges a repeat in its body's look-up (src/store/repeats.ts lookUpOrAcceptRepeat, one
  // statement): the same try of the school's lock, so between the older batch's write and its commit it inserts
  // nothing, and the batch is queued (src/api/batch-intake.ts acceptBatch, `atOnce: null`).
  it('the route’s look-up that judges a re-push, between the older batch’s write and its commit: queued', async () => {
    const a = withName('RACEV8', 'Đặng Thị Lan');
    const { batchId: first } = await queueVendorBody(env.deps.db, a);
    await ingest(first);
    const { batchId: older } = await queueVendorBody(env.deps.db, withName('RACEV8', 'Đặng Thị Liên'));
    const body = vendorBody(a);
    const repeats = { now: env.deps.now, config: env.deps.config, metrics: env.deps.metrics };
    const push = { clientId: body.clientId, schoolCode: body.schoolCode, bodySha256: body.bodySha256 };
    let repush: { batchId: string; status: string } | undefined;
    await ingest(
      older,
      async () => {
        const db = env.deps.db;
        const id = randomUUID();
        const found = await acceptKnownRepeat(db, repeats, { id, ...push, maxRecords: 1000 });
        expect(found).toMatchObject({ inserted: false });
        expect(found!.judged).toBeTruthy();
        const { response } = await acceptBatch(
          db,
          {
            ...push,
            body: {
              entity: 'students',
              format: found!.format,
              mode: found!.mode,
              records: a.map(() => ({})),
            },
            sameAs: found!.id,
            judged: found!.judged,
            atOnce: null,
            idempotency: undefined,
            at: new Date(),
          },
          undefined,
          repeats,
        );
        const row = await db.query<{ status: string }>(`SELECT status FROM truc.batches WHERE id = $1`, [
          response.body.batchId,
        ]);
        repush = { batchId: response.body.batchId, status: row.rows[0]!.status };
      },
      'after',
    );
    expect(repush!.status).toBe('queued');
    await ingest(repush!.batchId);
    expect(await names('RACEV8')).toEqual(['Đặng Thị Lan']);
  });

  it('the route’s look-up with no ingest of its school in progress judges the re-push at once', async () => {
    const a = withName('RACEV9', 'Đặng Thị Hoa');
    const { batchId: first } = await queueVendorBody(env.deps.db, a);
    await ingest(first);
    const body = vendorBody(a);
    const repeats = { now: env.deps.now, config: env.deps.config, metrics: env.deps.metrics };
    const id = randomUUID();
    const found = await acceptKnownRepeat(env.deps.db, repeats, {
      id,
      clientId: body.clientId,
      schoolCode: body.schoolCode,
      bodySha256: body.bodySha256,
      maxRecords: 1000,
    });
    expect(found).toMatchObject({ id: first, inserted: true, received: 1 });
    const row = await env.deps.db.query<{ status: string }>(`SELECT status FROM truc.batches WHERE id = $1`, [
      id,
    ]);
    expect(row.rows[0]!.status).toBe('done');
  });

  it('the API’s re-push with no ingest of its school in progress is judged at once, as before', async () => {
    const a = withName('RACEV6', 'Đặng Thị Cúc');
    const { batchId: first } = await queueVendorBody(env.deps.db, a);
    await ingest(first);
    expect((await pushAgainAtApi(a)).status).toBe('done');
    expect((await pushAgainAtApi(a, 'race21-repush-key-2')).status).toBe('done');
  });

  // The API's one statement gets the school's lock after its snapshot was taken (src/store/repeats.ts): an ingest
  // of the school that committed in between is not in that snapshot. Its probe of the change feed runs in a
  // function with a snapshot of its own (migration 720), which sees it; the same probe inline does not.
  it('the API statement’s probe, run once it holds the lock, sees a change committed after its snapshot', async () => {
    const db = env.deps.db;
    // A judgment's snapshot and transaction, as a judged batch keeps them (migration 280).
    const judged = await db.tx(
      async (q) =>
        (
          await q.query<{ snap: string; xact: string }>(
            `SELECT pg_current_snapshot()::text AS snap, pg_current_xact_id()::text AS xact`,
          )
        ).rows[0]!,
    );
    const holder = await db.connect();
    try {
      // An ingest of S1 in progress: the school's lock, a record of S1 changed, not committed.
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(${SCHOOL_LOCK_SPACE}, hashtext($1))`, [S1]);
      const changed = { ...student('RACEV7'), fullName: 'Đặng Văn Khoa' };
      await createRecordsRepo(onConnection(holder)).upsert(
        'students',
        [{ key: 'RACEV7', scope: S1, data: changed, fingerprint: fingerprint(changed) }],
        { system: 'hcm-csdl', mappingVersion: 'test' },
      );
      let probe: Promise<{ fresh: boolean; stale: boolean }> | undefined;
      const { end } = await sideBySide(async () => {
        probe = db
          .query<{ fresh: boolean; stale: boolean }>(
            `SELECT CASE WHEN pg_advisory_xact_lock(${SCHOOL_LOCK_SPACE}, hashtext($1::text))::text IS NOT NULL
                         THEN truc.school_changed_since('students', $1, $2::pg_snapshot, $3::xid8) END AS fresh,
                    ${changedSince('students', '$1', '$2', '$3')} AS stale`,
            [S1, judged.snap, judged.xact],
          )
          .then((r) => r.rows[0]!);
        await probe;
      });
      await holder.query('COMMIT');
      await end;
      expect(await probe).toEqual({ fresh: true, stale: false });
    } finally {
      holder.release();
    }
  });

  // An approved snapshot hold's deletions are the snapshot's word for its school (src/jobs/guard-apply.ts): a
  // re-push of the vendor's every-student body, judged between their statement and their commit, would have
  // judged the committed state (all live) unchanged at once, and the deletions committed after it.
  it('an approved snapshot hold’s deletions: a re-push started before they commit waits, then restores them', async () => {
    const db = env.deps.db;
    const codes = Array.from({ length: 30 }, (_, i) => `RACEG${String(i).padStart(2, '0')}`);
    const every = codes.map((c) => student(c, S2));
    const live = async () =>
      (
        await db.query<{ code: string }>(
          `SELECT student_code AS code FROM truc.students
            WHERE school_code = $1 AND student_code LIKE 'RACEG%' AND deleted_at IS NULL ORDER BY 1`,
          [S2],
        )
      ).rows.map((r) => r.code);
    await ingest((await queueVendorBody(db, every, { school: S2 })).batchId);
    expect(await live()).toEqual(codes);
    // The vendor's snapshot omits half the school: its deletions are held; approved.
    const snapshot = randomUUID();
    await db.tx((q) =>
      queueBatch(q, { ...vendorBody(every.slice(0, 15), S2), id: snapshot, mode: 'snapshot' }),
    );
    await ingest(snapshot);
    const [hold] = (
      await db.query<{ id: number }>(`SELECT id FROM truc.guard_holds WHERE batch_id = $1`, [snapshot])
    ).rows;
    await db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin-1', at: env.deps.now() }),
    );
    const outbox = await db.query<{ id: number }>(
      `SELECT id FROM truc.outbox WHERE (payload->>'holdId')::int = $1 AND done_at IS NULL`,
      [hold!.id],
    );
    // Right after the deletions' statement, before the approval's transaction commits: the re-push.
    let fired = false;
    let other: Promise<void> = Promise.resolve();
    const hooked = (q: Queryable): Queryable => ({
      async query<R = Record<string, unknown>>(
        sql: string,
        params?: readonly unknown[],
        opts?: Parameters<Queryable['query']>[2],
      ) {
        const res = await q.query<R>(sql, params, opts);
        if (!fired && /UPDATE truc\.students r SET deleted_at/.test(sql)) {
          fired = true;
          const { batchId: repush } = await queueVendorBody(db, every, { school: S2 });
          other = (await sideBySide(() => ingest(repush))).end;
        }
        return res;
      },
    });
    const run = {
      ...ctx,
      db: { ...db, tx: <T>(fn: (q: Queryable) => Promise<T>) => db.tx((q) => fn(hooked(q))) },
    };
    const job = { id: 'g', queue: guardApplyJob.queue, name: guardApplyJob.name, attempt: 1 };
    await guardApplyJob.run(run, { holdId: hold!.id }, { ...job, outboxId: outbox.rows[0]!.id });
    expect(fired).toBe(true);
    await other;
    expect(await live()).toEqual(codes);
  });
});
