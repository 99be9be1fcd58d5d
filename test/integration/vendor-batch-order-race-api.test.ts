/**
 * race21 / perfu23 (the API's side of vendor-batch-order-race.test.ts, same world): a vendor's re-push judged
 * at once at the API is the vendor's word too. While an ingest of its school is in progress (between the older
 * batch's write and its commit), the API neither waits nor judges it from the committed state: it is queued, and
 * its ingest judges it under the school's lock (src/store/school-lock.ts). With no ingest in progress it is
 * judged at once, as before; and the API statement's probe of the change feed sees what committed after its
 * snapshot (migration 720).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptBatch, requestHash } from '../../src/api/batch-intake.js';
import { acceptKnownRepeat } from '../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { onConnection } from '../../src/store/db.js';
import { changedSince } from '../../src/store/record-tables.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { SCHOOL_LOCK_SPACE } from '../../src/store/school-lock.js';
import { S1, student } from '../helpers/api.js';
import { useIngestRace } from '../helpers/ingest-race.js';
import { queueVendorBody, vendorBody } from '../helpers/vendor-batch.js';

describe('the API’s re-push while an ingest of its school runs (race21, perfu23)', () => {
  const w = useIngestRace();
  const { ingest, sideBySide, names, withName } = w;

  /**
   * The API's re-push of `records` (vendor-1's body for S1, pushed and judged before) as its route accepts it
   * (src/api/batch-intake.ts `acceptBatch`): without an Idempotency-Key, judged at once in one statement where it
   * can be, else in a transaction; with one, in a transaction. Returns the new batch's id and status.
   */
  async function pushAgainAtApi(records: unknown[], idempotencyKey?: string) {
    const db = w.env.deps.db;
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
                retentionHours: w.env.deps.config.api.idempotencyRetentionHours,
              },
        at: new Date(),
      },
      undefined,
      { now: w.env.deps.now, config: w.env.deps.config, metrics: w.env.deps.metrics },
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
      const { batchId: first } = await queueVendorBody(w.env.deps.db, a);
      await ingest(first);
      const { batchId: older } = await queueVendorBody(w.env.deps.db, withName(code, 'Đặng Thị Mận'));
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
    const { batchId: first } = await queueVendorBody(w.env.deps.db, a);
    await ingest(first);
    const { batchId: older } = await queueVendorBody(w.env.deps.db, withName('RACEV8', 'Đặng Thị Liên'));
    const body = vendorBody(a);
    const repeats = { now: w.env.deps.now, config: w.env.deps.config, metrics: w.env.deps.metrics };
    const push = { clientId: body.clientId, schoolCode: body.schoolCode, bodySha256: body.bodySha256 };
    let repush: { batchId: string; status: string } | undefined;
    await ingest(
      older,
      async () => {
        const db = w.env.deps.db;
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
    const { batchId: first } = await queueVendorBody(w.env.deps.db, a);
    await ingest(first);
    const body = vendorBody(a);
    const repeats = { now: w.env.deps.now, config: w.env.deps.config, metrics: w.env.deps.metrics };
    const id = randomUUID();
    const found = await acceptKnownRepeat(w.env.deps.db, repeats, {
      id,
      clientId: body.clientId,
      schoolCode: body.schoolCode,
      bodySha256: body.bodySha256,
      maxRecords: 1000,
    });
    expect(found).toMatchObject({ id: first, inserted: true, received: 1 });
    const row = await w.env.deps.db.query<{ status: string }>(
      `SELECT status FROM truc.batches WHERE id = $1`,
      [id],
    );
    expect(row.rows[0]!.status).toBe('done');
  });

  it('the API’s re-push with no ingest of its school in progress is judged at once, as before', async () => {
    const a = withName('RACEV6', 'Đặng Thị Cúc');
    const { batchId: first } = await queueVendorBody(w.env.deps.db, a);
    await ingest(first);
    expect((await pushAgainAtApi(a)).status).toBe('done');
    expect((await pushAgainAtApi(a, 'race21-repush-key-2')).status).toBe('done');
  });

  // The API's one statement gets the school's lock after its snapshot was taken (src/store/repeats.ts): an ingest
  // of the school that committed in between is not in that snapshot. Its probe of the change feed runs in a
  // function with a snapshot of its own (migration 720), which sees it; the same probe inline does not.
  it('the API statement’s probe, run once it holds the lock, sees a change committed after its snapshot', async () => {
    const db = w.env.deps.db;
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
});
