/**
 * The city database's copies a vendor's batch is compared with (DUNG_CITY_CONFLICT, SONG_STATUS_CONFLICT):
 * asked of the store only for the records whose stored copy the city database wrote, as the judging's
 * read of the stored copies found them (issue 7: a batch of the vendor's own records asked for 1,000 rows
 * by key that read had just found written by the vendor, or not stored at all).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { student, S1 } from '../../helpers/api.js';
import { useTestContext, vendorBatch, watchStatements } from './fixtures.js';

describe("a vendor's batch and the city database's copies", () => {
  const ctx = useTestContext();
  /** The parameters of each statement that asked for the city's copies (`source_system = …`). */
  let cityAsks: unknown[][] = [];

  beforeAll(() => {
    watchStatements(ctx, (sql, params) => {
      if (/AND source_system = \$/.test(sql)) cityAsks.push([...params]);
    });
  });

  /** A vendor's batch ingested (../fixtures.ts `vendorBatch`): the batch, its findings' rules, the asks. */
  async function ingest(records: unknown[]) {
    cityAsks = [];
    const batch = await vendorBatch(ctx, records);
    const findings = await createBatchesRepo(ctx.db).findings(batch.id, 100, 0);
    return { result: batch, rules: findings.map((f) => f.rule), cityAsks };
  }

  it('asks for none when no stored copy came from the city database: new records, then the vendor’s own', async () => {
    const first = await ingest([student('V1'), student('V2')]);
    expect(first.result).toMatchObject({ accepted: 2, rejected: 0 });
    expect(first.cityAsks).toEqual([]);
    const changed = await ingest([
      { ...student('V1'), statusDate: '2024-09-05' },
      { ...student('V2'), statusDate: '2024-09-05' },
    ]);
    expect(changed.result).toMatchObject({ accepted: 2, rejected: 0 });
    expect(changed.cityAsks).toEqual([]);
  });

  it("compares a record the city database wrote with the city's copy, asking for that record only", async () => {
    const city = { ...student('C1'), fullName: 'Nguyễn Văn Thành' };
    await createRecordsRepo(ctx.db).upsert(
      'students',
      [{ key: 'C1', scope: S1, personalId: undefined, data: city, fingerprint: fingerprint(city) }],
      { system: 'hcm-csdl', mappingVersion: 'hcm-csdl@test' },
    );
    const { rules, cityAsks } = await ingest([
      { ...city, fullName: 'Nguyễn Văn Thanh' },
      { ...student('V1'), statusDate: '2024-09-06' },
      student('V3'),
    ]);
    expect(rules).toContain('DUNG_CITY_CONFLICT');
    expect(cityAsks.length).toBe(1);
    expect(cityAsks[0]).toContainEqual(['C1']);
  });
});
