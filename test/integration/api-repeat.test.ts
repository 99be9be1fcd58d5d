/**
 * Issue 7, unchanged vendor re-push at the API: a body a client pushed for a school before (the same
 * bytes) is answered from the earlier batch without being parsed again; the new batch points at the
 * one that keeps the records. A dry run, another client or another school parse the body as usual.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chainPending } from '../../src/audit/chain.js';
import { createRecordsRepo } from '../../src/store/records.js';
import { goodBody, OTHER, S1, useApiHarness } from '../helpers/api.js';
import { startWorkerRole } from '../../src/roles.js';
import { backends, countRows, waitFor } from '../helpers/env.js';
import { pushIngested as pushIngestedWith } from '../helpers/repeat.js';

const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (never started here)

interface Row {
  same_as: string | null;
  received: number;
  entity: string;
  format: string;
  mode: string;
  stored: number;
}

async function batchRow(id: string): Promise<Row> {
  const res = await h.env.deps.db.query<Row>(
    `SELECT same_as, received, entity, format, mode, json_array_length(records::json) AS stored
       FROM truc.batches WHERE id = $1`,
    [id],
  );
  return res.rows[0]!;
}

/** Counts the JSON.parse calls that see a text holding `marker`. */
function parsesOf(marker: string): () => number {
  const real = JSON.parse.bind(JSON);
  let n = 0;
  vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (typeof text === 'string' && text.includes(marker)) n++;
    return real(text, reviver) as unknown;
  });
  return () => n;
}

/** Pushes `body` to S1 and runs a worker until that batch is ingested (../helpers/repeat.ts). */
const pushIngested = (body: unknown) => pushIngestedWith(h, body);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a repeated batch body at the API (issue 7)', () => {
  it('the same bytes again: 202 without a parse, a batch that points at the first one', async () => {
    const body = { ...goodBody(['REPEAT-A1', 'REPEAT-A2', 'REPEAT-A3']), mode: 'delta' };
    const first = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(first.statusCode, first.body).toBe(202);
    const firstId = first.json<{ batchId: string }>().batchId;

    const parses = parsesOf('REPEAT-A1');
    const again = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(again.statusCode, again.body).toBe(202);
    const answer = again.json<{ batchId: string; received: number }>();
    expect(answer.received).toBe(3);
    expect(parses()).toBe(0);
    expect(await batchRow(answer.batchId)).toEqual({
      same_as: firstId,
      received: 3,
      entity: 'students',
      format: 'canonical',
      mode: 'delta',
      stored: 0,
    });
    expect(await batchRow(firstId)).toMatchObject({ same_as: null, stored: 3 });
  });

  it('the same bytes again: the body is hashed as it arrives and never copied whole', async () => {
    const body = JSON.stringify(goodBody(['REPEAT-C1', 'REPEAT-C2', 'REPEAT-C3']));
    const size = Buffer.byteLength(body);
    const real = Buffer.concat.bind(Buffer);
    let copies = 0;
    vi.spyOn(Buffer, 'concat').mockImplementation((list, total) => {
      const out = real(list, total);
      if (out.length >= size) copies++;
      return out;
    });
    const first = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(first.statusCode, first.body).toBe(202);
    expect(copies).toBe(1); // a new body is joined once, to be decoded and parsed
    const again = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(again.statusCode, again.body).toBe(202);
    expect(copies).toBe(1);
    expect((await batchRow(again.json<{ batchId: string }>().batchId)).same_as).toBe(
      first.json<{ batchId: string }>().batchId,
    );
  });

  it('with an Idempotency-Key: a retry replays, a new key is a new batch of the same records', async () => {
    const body = goodBody(['REPEAT-B1']);
    const first = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(first.statusCode).toBe(202);
    const keyed = await h.pushBatch(h.tokens.vendor, S1, body, { 'idempotency-key': 'repeat-b-1' });
    const retry = await h.pushBatch(h.tokens.vendor, S1, body, { 'idempotency-key': 'repeat-b-1' });
    expect([keyed.statusCode, retry.statusCode]).toEqual([202, 202]);
    expect(retry.json()).toEqual(keyed.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await batchRow(keyed.json<{ batchId: string }>().batchId)).same_as).toBe(
      first.json<{ batchId: string }>().batchId,
    );
  });

  it('the same bytes after the first was ingested: done when answered, with no ingest job', async () => {
    const body = goodBody(['REPEAT-E1', 'REPEAT-E2']);
    await pushIngested(body);
    const outbox = (await h.snapshot()).outbox;
    const sent = vi.spyOn(h.env.deps.db, 'query');
    const again = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(again.statusCode, again.body).toBe(202);
    // No ingest job queued, so the outbox relay is not woken (a notification and a claim for nothing).
    expect(sent.mock.calls.filter(([sql]) => sql.includes('pg_notify'))).toEqual([]);
    sent.mockRestore();
    const status = await h.get(again.json<{ statusUrl: string }>().statusUrl, h.tokens.vendor);
    expect(status.json()).toMatchObject({
      status: 'done',
      counts: { received: 2, accepted: 0, rejected: 0, unchanged: 2, deleted: 0 },
    });
    expect((await h.snapshot()).outbox).toBe(outbox);
    // Its audit entries, accepted then ingested (recorded off the chain's lock, chained later).
    const audit = await h.env.deps.db.query<{ action: string }>(
      `SELECT action FROM (SELECT action, 0 AS k, seq AS o FROM truc.audit_log WHERE subject = $1
                           UNION ALL SELECT action, 1, id FROM truc.audit_pending WHERE subject = $1) a
        ORDER BY k, o`,
      [`batch:${again.json<{ batchId: string }>().batchId}`],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['batch.accepted', 'batch.ingested']);
  });

  it('the same bytes after the first was ingested: looked up and judged in one statement, audited as before', async () => {
    // Issue 7 (perfu23): the body's look-up and the repeat's judgment and insert were two statements, two round
    // trips a re-push; the look-up's statement now judges and inserts it (src/store/repeats.ts lookUpOrAcceptRepeat).
    const body = goodBody(['REPEAT-O1', 'REPEAT-O2']);
    const first = await pushIngested(body);
    const sent = vi.spyOn(h.env.deps.db, 'query');
    const again = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(again.statusCode, again.body).toBe(202);
    const ofBatches = sent.mock.calls.filter(([sql]) => sql.includes('truc.batches'));
    sent.mockRestore();
    expect(ofBatches).toHaveLength(1);
    const batchId = again.json<{ batchId: string }>().batchId;
    // Done when answered, and the answer says so (fix31c: it said queued).
    expect(again.json()).toEqual({
      batchId,
      status: 'done',
      statusUrl: `/v1/batches/${batchId}`,
      received: 2,
      counts: { received: 2, accepted: 0, rejected: 0, unchanged: 2, deleted: 0 },
    });
    expect(again.headers.location).toBe(`/v1/batches/${batchId}`);
    expect((await h.get(`/v1/batches/${batchId}`, h.tokens.vendor)).json()).toMatchObject({
      status: 'done',
      counts: { received: 2, accepted: 0, rejected: 0, unchanged: 2, deleted: 0 },
    });
    expect(await batchRow(batchId)).toMatchObject({ same_as: first, received: 2, mode: 'delta', stored: 0 });
    const kept = await h.env.deps.db.query<{ n: number }>(
      'SELECT findings_count AS n FROM truc.batches WHERE id = $1',
      [first],
    );
    const audit = await h.env.deps.db.query<{ actor: string; action: string; details: unknown }>(
      `SELECT actor, action, details FROM (
         SELECT actor, action, details, 0 AS k, seq AS o FROM truc.audit_log WHERE subject = $1
         UNION ALL SELECT actor, action, details, 1, id FROM truc.audit_pending WHERE subject = $1) a
        ORDER BY k, o`,
      [`batch:${batchId}`],
    );
    expect(audit.rows).toEqual([
      {
        actor: h.clients.vendor.clientId,
        action: 'batch.accepted',
        details: {
          schoolCode: S1,
          entity: 'students',
          format: 'canonical',
          mode: 'delta',
          received: 2,
          idempotencyKey: null,
        },
      },
      {
        actor: 'system:ingest',
        action: 'batch.ingested',
        details: {
          entity: 'students',
          accepted: 0,
          rejected: 0,
          unchanged: 2,
          findings: kept.rows[0]!.n,
          pushSets: [],
          repeatOf: `batch:${first}`,
        },
      },
    ]);
    // The statement records no name (fix36b): the chainer reads it as it appends, the vendor's; the system none.
    await h.env.deps.db.tx((q) => chainPending(q));
    const named = await h.env.deps.db.query<{ actor_name: string | null }>(
      'SELECT actor_name FROM truc.audit_log WHERE subject = $1 ORDER BY seq',
      [`batch:${batchId}`],
    );
    expect(named.rows).toEqual([{ actor_name: 'Vendor A' }, { actor_name: null }]);
  });

  it('with an Idempotency-Key (as @truc/client sends): done when answered, and its retry replays done', async () => {
    const body = goodBody(['REPEAT-K1', 'REPEAT-K2', 'REPEAT-K3']);
    await pushIngested(body);
    const again = await h.pushBatch(h.tokens.vendor, S1, body, { 'idempotency-key': 'repeat-k-1' });
    const retry = await h.pushBatch(h.tokens.vendor, S1, body, { 'idempotency-key': 'repeat-k-1' });
    expect([again.statusCode, retry.statusCode]).toEqual([202, 202]);
    const counts = { received: 3, accepted: 0, rejected: 0, unchanged: 3, deleted: 0 };
    expect(again.json()).toMatchObject({ status: 'done', received: 3, counts });
    expect(retry.json()).toEqual(again.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const status = await h.get(again.json<{ statusUrl: string }>().statusUrl, h.tokens.vendor);
    expect(status.json()).toMatchObject({ status: 'done', counts });
  });

  it('a bad query string on a repeat: 400 and nothing stored, though its look-up judges repeats', async () => {
    const body = goodBody(['REPEAT-Q1']);
    await pushIngested(body);
    const before = await countRows(h.env.deps.db, 'truc.batches');
    const res = await h.send('POST', `/v1/schools/${S1}/batches?dryRun=maybe`, h.tokens.vendor, body);
    expect(res.statusCode, res.body).toBe(400);
    expect(await countRows(h.env.deps.db, 'truc.batches')).toBe(before);
  });

  it('a change that an open transaction made while the first batch was judged: its repeat is judged in full', async () => {
    // Migration 280: a repeat is unchanged while no change feed row of the school comes from a transaction
    // the judgment's snapshot did not see. A transaction still open then (its id older than the judgment's)
    // commits after it: the school changed since, though its change is older than the judgment.
    await pushIngested(goodBody(['REPEAT-K9']));
    const body = goodBody(['REPEAT-K1', 'REPEAT-K2']);
    const open = await h.env.deps.db.connect();
    try {
      await open.query('BEGIN');
      await createRecordsRepo(open).tombstone('students', ['REPEAT-K9']);
      await pushIngested(body);
      await open.query('COMMIT');
    } finally {
      open.release();
    }
    const again = await h.pushBatch(h.tokens.vendor, S1, body);
    expect(again.statusCode, again.body).toBe(202);
    const status = await h.get(again.json<{ statusUrl: string }>().statusUrl, h.tokens.vendor);
    expect(status.json()).toMatchObject({ status: 'queued' }); // left to the ingest, judged in full
    // Once the ingest judged it (every record unchanged), a repeat of it is unchanged at once again.
    const againId = again.json<{ batchId: string }>().batchId;
    const worker = startWorkerRole(h.env.deps);
    try {
      await waitFor(
        async () => (await h.get(`/v1/batches/${againId}`, h.tokens.vendor)).json().status === 'done',
        { what: 'the repeat to be judged in full' },
      );
    } finally {
      await worker.stop();
    }
    const third = await h.pushBatch(h.tokens.vendor, S1, body);
    const thirdStatus = await h.get(third.json<{ statusUrl: string }>().statusUrl, h.tokens.vendor);
    expect(thirdStatus.json()).toMatchObject({ status: 'done', counts: { unchanged: 2 } });
  });

  it('a dry run of the same bytes judges the records it is sent', async () => {
    const body = goodBody(['REPEAT-C1', 'REPEAT-C2']);
    expect((await h.pushBatch(h.tokens.vendor, S1, body)).statusCode).toBe(202);
    const parses = parsesOf('REPEAT-C1');
    const res = await h.send('POST', `/v1/schools/${S1}/batches?dryRun=true`, h.tokens.vendor, body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ counts: { received: number } }>().counts.received).toBe(2);
    expect(parses()).toBeGreaterThan(0);
  });

  it('another client pushing the same bytes is not a repeat: a new body, stored with its records', async () => {
    const body = goodBody(['REPEAT-D1'], OTHER);
    expect((await h.pushBatch(h.tokens.vendor, OTHER, body)).statusCode).toBe(403); // not its school
    const parses = parsesOf('REPEAT-D1');
    const res = await h.pushBatch(h.tokens.other, OTHER, body);
    expect(res.statusCode, res.body).toBe(202);
    // A new body the scan finds well-formed is not parsed whole (src/api/json-scan.ts): its records are stored as sent.
    expect(parses()).toBe(0);
    expect(await batchRow(res.json<{ batchId: string }>().batchId)).toMatchObject({
      same_as: null,
      stored: 1,
    });
  });
});
