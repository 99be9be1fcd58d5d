/**
 * The API's statement that stores a new vendor batch (issue 7, perf10c): the batch with its records, its audit entry
 * and its ingest job's outbox row written handed over (src/jobs/requests.ts `queueNewBatch`, src/store/outbox.ts
 * `flushHandedOver`) is one text whatever the batch, prepared: parsed and planned once per PostgreSQL connection
 * (~0.6 ms of PostgreSQL's CPU a changed 1000-record batch less), and each run stores what it stored unprepared.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNewBatch } from '../../src/jobs/requests.js';
import { createPgDb, type Db } from '../../src/store/db.js';
import { student } from '../factories/records.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

const SCHOOL = '79000194';

describe("the API's insert of a new batch, prepared (PostgreSQL)", () => {
  let store: TestStore;
  let db: Db;
  beforeAll(async () => {
    store = await openTestStore('postgres');
    // One connection, so that every insert runs where its statement is prepared.
    db = createPgDb(store.location, 'postgres', { max: 1 });
  });
  afterAll(async () => {
    await db?.close().catch(() => undefined);
    await store?.cleanup();
  });

  it('stores each batch, its audit entry and its handed-over row, with one prepared text for all', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const records = [
        student(`NP${i}A`, { schoolCode: SCHOOL }),
        student(`NP${i}B`, { schoolCode: SCHOOL }),
      ];
      const id = randomUUID();
      ids.push(id);
      const batch = {
        id,
        clientId: 'cl_np',
        schoolCode: SCHOOL,
        entity: 'students' as const,
        format: 'canonical',
      };
      const events = [
        { actor: 'cl_np', action: 'batch.accepted' as const, subject: `batch:${id}`, details: { i } },
      ];
      const row = await queueNewBatch(
        db,
        { ...batch, records, recordsJson: Buffer.from(JSON.stringify(records)), bodySha256: `sha-${i}` },
        { events, at: new Date() },
        { handedOver: true },
      );
      expect(row).toMatchObject({ queue: 'ingest', payload: { batchId: id, received: 2 } });
    }
    const stored = await db.query<{
      id: string;
      received: number;
      records: unknown[];
      enqueued: boolean;
      audits: number;
    }>(
      `SELECT b.id, b.received, b.records::jsonb AS records,
              (SELECT o.enqueued_at IS NOT NULL FROM truc.outbox o WHERE o.payload ->> 'batchId' = b.id::text) AS enqueued,
              (SELECT count(*)::int FROM truc.audit_pending a WHERE a.subject = 'batch:' || b.id) AS audits
         FROM truc.batches b WHERE b.id = ANY($1::uuid[]) ORDER BY b.received`,
      [ids],
    );
    expect(stored.rows).toHaveLength(7);
    for (const r of stored.rows) expect(r).toMatchObject({ received: 2, enqueued: true, audits: 1 });
    expect(stored.rows.map((r) => r.records.length)).toEqual(Array(7).fill(2));
    const kept = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_prepared_statements
        WHERE statement LIKE '%INSERT INTO truc.batches%' AND statement LIKE '%INSERT INTO truc.outbox%'`,
    );
    expect(kept.rows[0]!.n).toBe(1);
  });
});
