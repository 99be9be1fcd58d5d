/**
 * A vendor's new batch sent without an Idempotency-Key (issue 7, changed re-push): the batch, its
 * batch.accepted audit entry and its ingest job are written by one statement of their own, with no
 * transaction (BEGIN, three writes and COMMIT were five round trips, each a wait for the CPU under load).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptBatch } from '../../../src/api/batch-intake.js';
import type { Db } from '../../../src/store/db.js';
import { S1, student } from '../../helpers/api.js';
import { nextRow, ofBatch, useTestContext } from '../jobs/fixtures.js';

describe('a new batch without an Idempotency-Key', () => {
  const ctx = useTestContext();

  it('is stored, audited and queued in one statement, with no transaction', async () => {
    const statements: string[] = [];
    const db: Db = {
      ...ctx.db,
      query: (sql, params) => {
        statements.push(sql);
        return ctx.db.query(sql, params);
      },
      tx: () => Promise.reject(new Error('no transaction expected')),
    };
    const records = [student('N1'), student('N2')];
    const bodyText = JSON.stringify({ entity: 'students', records });
    let woken = 0;
    const { response, replayed } = await acceptBatch(
      db,
      {
        clientId: 'vendor-1',
        schoolCode: S1,
        body: { entity: 'students', format: 'canonical', records },
        bodySha256: createHash('sha256').update(bodyText).digest('hex'),
        sameAs: null,
        idempotency: undefined,
        at: new Date(),
      },
      () => (woken += 1),
    );
    expect(statements).toHaveLength(1);
    expect(replayed).toBe(false);
    expect(woken).toBe(1);
    expect(response).toMatchObject({ status: 202, body: { status: 'queued', received: 2 } });
    const { batchId } = response.body;
    const [batch] = await ctx.db.rows<{ status: string; received: number; records: string }>(
      'truc.batches',
      `id = '${batchId}'`,
    );
    expect(batch).toMatchObject({ status: 'queued', received: 2 });
    expect(JSON.parse(batch!.records)).toEqual(records);
    const audit = await ctx.db.rows<{ action: string; actor: string }>(
      'truc.audit_pending',
      `subject = 'batch:${batchId}'`,
    );
    expect(audit).toMatchObject([{ action: 'batch.accepted', actor: 'vendor-1' }]);
    expect(await nextRow(ctx.db, ofBatch(batchId))).toMatchObject({ queue: 'ingest' });
  });
});
