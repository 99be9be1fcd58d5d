/**
 * runs item 2: a held batch said it had finished when it was held (its snapshot's records applied, its deletions
 * waiting for a city admin), though it has not. A held batch's finishedAt is now null, as a held sync run's is (a run
 * held on a page never finished; a full run whose reconciliation is held said its pages' end, now null too); once
 * decided, when the decision was done (deletions applied, or the rejection).
 */
import { describe, expect, it } from 'vitest';
import { runFinishedAt } from '../../../src/api/routes/sync-run-view.js';
import { batchView, type BatchHold } from '../../../src/jobs/batch-status.js';
import type { Batch } from '../../../src/store/batches.js';

const INGESTED = new Date('2026-12-06T08:00:00Z');
const DECIDED = new Date('2026-12-06T09:30:00Z');
const APPLIED = new Date('2026-12-06T09:31:00Z');

const batch: Batch = {
  ...{
    id: '00000000-0000-4000-8000-000000000009',
    clientId: 'c',
    schoolCode: '79000001',
    entity: 'students',
  },
  ...{
    format: 'canonical',
    status: 'done',
    received: 40,
    accepted: 1,
    rejected: 0,
    unchanged: 0,
    deleted: 0,
  },
  ...{ errorCode: null, createdAt: new Date('2026-12-06T07:59:00Z'), finishedAt: INGESTED, mode: 'snapshot' },
  ...{
    syncRunId: null,
    mappingPin: null,
    bodySha256: null,
    sameAs: null,
    recordsPurgedAt: null,
    ignoredFields: null,
  },
};

const hold = (h: Partial<BatchHold>) =>
  ({
    ...{ id: 7, kind: 'snapshot', status: 'held', reasons: [], decidedAt: null, decisionReason: null },
    appliedAt: null,
    ...h,
  }) as unknown as BatchHold;

describe('runs item 2: a held batch or run has not finished', () => {
  it('a snapshot whose deletions are held: held, finishedAt null; decided: when the decision was done', () => {
    expect(batchView(batch, [], hold({}))).toMatchObject({ status: 'held', finishedAt: null });
    expect(
      batchView(batch, [], hold({ status: 'approved', decidedAt: DECIDED, appliedAt: APPLIED })),
    ).toMatchObject({ status: 'done', finishedAt: APPLIED.toISOString() });
    expect(batchView(batch, [], hold({ status: 'rejected', decidedAt: DECIDED }))).toMatchObject({
      status: 'done',
      finishedAt: DECIDED.toISOString(),
    });
    expect(batchView(batch)).toMatchObject({ status: 'done', finishedAt: INGESTED.toISOString() });
  });

  it('a run shown held (its reconciliation held after its pages were done) has not finished either', () => {
    expect(runFinishedAt('held', INGESTED)).toBeNull();
    expect(runFinishedAt('done', INGESTED)).toBe(INGESTED.toISOString());
    expect(runFinishedAt('running', null)).toBeNull();
  });
});
