/**
 * The judging steps (src/jobs/judge.ts) on a vendor's canonical batch: a record the quality engine does
 * not repair is judged as the input step left it, not copied on the way (issue 7: P4 allocated ~10 MB a
 * 1000-record batch; a copy in `map` made every record look repaired in `check`, copied and keyed again);
 * a repaired record is keyed anew with its repairs.
 */
import { describe, expect, it } from 'vitest';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { check, map, plan, type Loaded } from '../../../src/jobs/judge.js';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { NOW, useTestContext } from './fixtures.js';

const ctx = useTestContext();

function loadedOf(records: unknown[]): Loaded {
  return {
    batch: {
      id: '00000000-0000-4000-8000-000000000001',
      clientId: 'vendor-a',
      schoolCode: S1,
      entity: 'students',
      format: 'canonical',
      status: 'processing',
      received: records.length,
      accepted: 0,
      rejected: 0,
      unchanged: 0,
      deleted: 0,
      errorCode: null,
      createdAt: NOW,
      finishedAt: null,
      mode: 'delta',
      syncRunId: null,
      mappingPin: null,
      bodySha256: null,
      sameAs: null,
      recordsPurgedAt: null,
      ignoredFields: null,
      records,
    },
    entity: 'students',
    mapping: inboundMapping('canonical', 'students'),
    trusted: false,
  };
}

describe('judging a canonical batch', () => {
  it('keeps a record the engine did not repair as it is; keys a repaired one anew', async () => {
    const loaded = loadedOf([
      student('JD1', { schoolCode: S1 }),
      // A name not in proper case, which the text check repairs.
      student('JD2', { schoolCode: S1, fullName: 'nguyễn văn an' }),
    ]);
    const mapped = map(loaded, ctx);
    expect(mapped.records[0]!.data).toBe(mapped.sink.records[0]);
    const checked = await check(ctx.db, loaded, mapped);
    expect(checked.records[0]).toBe(mapped.records[0]);
    expect(checked.records[1]).not.toBe(mapped.records[1]);
    expect(checked.records[1]).toMatchObject({ key: mapped.records[1]!.key, scope: S1 });
    expect((checked.records[1]!.data as { fullName: string }).fullName).toBe('Nguyễn Văn An');
    expect(plan(checked).toWrite.map((r) => r.key)).toEqual([mapped.records[0]!.key, mapped.records[1]!.key]);
  });
});
