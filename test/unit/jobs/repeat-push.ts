/**
 * Vendor bodies stored and ingested as the API stores them, for the tests of repeated batches
 * (ingest-repeat*.test.ts): `store` queues one, `push` ingests it too, `findingsOf` and `versions` read back.
 */
import { randomUUID } from 'node:crypto';
import { acceptRepeat } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { student, S1 } from '../../helpers/api.js';
import { queueVendorBody, vendorBody } from '../../helpers/vendor-batch.js';
import { nextRow, ofBatch, runRow, type TestContext } from './fixtures.js';

/** A student accepted with a warning (no parent or guardian named): the finding travels with its repeats. */
export function withoutParents(code: string, school = S1): Record<string, unknown> {
  const {
    fatherName: _f,
    motherName: _m,
    guardianName: _g,
    ...rest
  } = student(code, school) as Record<string, unknown>;
  return rest;
}

/** The calls of the repeat tests on `ctx` (the suite's test context). */
export function repeatPushes(ctx: TestContext) {
  /**
   * Stores `records` as a batch the way the API stores a body (with the SHA-256 of its bytes); with
   * `repeats`, a repeat may be judged at once, as the API asks. Returns what was judged at once and
   * the batch's ingest job, if one was queued.
   */
  async function store(records: unknown[], c: TestContext, school: string, repeats?: TestContext) {
    const { batchId, judged } = await queueVendorBody(c.db, records, {
      school,
      ...(repeats ? { repeats } : {}),
    });
    const job = await nextRow(c.db, ofBatch(batchId));
    return { batchId, judged, job };
  }

  /** Pushes `records` as the API stores a body (with the SHA-256 of its bytes) and ingests it. */
  async function push(records: unknown[], c: TestContext = ctx, school = S1) {
    const { batchId, job: row } = await store(records, c, school);
    if (!row) throw new Error(`no ingest queued for ${batchId}`);
    const result = await runRow(c, row);
    const [stored] = await c.db.rows<{ same_as: string | null; records: string }>(
      'truc.batches',
      `id = '${batchId}'`,
    );
    const storedRecords = JSON.parse(stored!.records) as unknown[];
    return { batchId, result, sameAs: stored!.same_as, storedRecords };
  }

  const findingsOf = async (batchId: string) =>
    (await createBatchesRepo(ctx.db).findings(batchId, 100, 0)).map((f) => [
      f.recordIndex,
      f.rule,
      f.severity,
    ]);

  /** Each student's row version (xmin): unchanged unless the row was written. */
  const versions = async (codes: string[]) =>
    (
      await ctx.db.query<{ v: string }>(
        `SELECT xmin::text AS v FROM truc.students WHERE student_code = ANY($1::text[]) ORDER BY student_code`,
        [codes],
      )
    ).rows.map((r) => r.v);
  /**
   * A repeat of `records` as vendor-1 pushes them to S1, as the API knows it before storing it: its
   * look-up (the batch that keeps the body, the last judged one) and the batch it stores, but for its id.
   */
  async function repeatBody(records: unknown[]) {
    const body = vendorBody(records);
    const held = (await createBatchesRepo(ctx.db).heldAndJudged('vendor-1', S1, body.bodySha256))!;
    return { held, batch: { ...body, sameAs: held.id } };
  }

  /** The API's one-statement repeat (acceptRepeat) of `records` as vendor-1 pushes them to S1. */
  async function acceptAtOnce(records: unknown[], c: TestContext = ctx) {
    const { held, batch } = await repeatBody(records);
    const id = randomUUID();
    const accepted = { actor: 'vendor-1', action: 'batch.accepted' as const, subject: `batch:${id}` };
    return { id, judged: await acceptRepeat(c.db, { ...batch, id }, held.judged!, accepted, c) };
  }

  return { store, push, findingsOf, versions, repeatBody, acceptAtOnce };
}
