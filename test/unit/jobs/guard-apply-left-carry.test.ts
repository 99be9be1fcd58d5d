/**
 * review19 R19-4: an approved held vendor batch notes the records it leaves (newer: written since it arrived) as
 * carried by that vendor (ingest-apply.ts touches `unchangedKeys`, guard.ts `leaveNewer` puts them there), though
 * its copy differs from the stored one. The vendor's next snapshot that omits such a record then deletes it as
 * "held as it is" (record-seen.ts `carriedAfterWrite`), though the city changed it after the vendor's last word and
 * neither the vendor nor its batch had that change (README precedence (b): kept until the vendor has heard).
 * Fixed (copies19, with review18b R4): the records an approved held batch leaves are not noted as carried by it.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideHold, queueBatch } from '../../../src/jobs/contracts.js';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import {
  drain,
  fullStudentsRun,
  hcmStudent,
  holdOf,
  liveStudents,
  nextRow,
  ofBatch,
  runRow,
  useStudentsSource,
  vendorBatch,
} from './fixtures.js';

describe('an approved held batch leaves a newer city change (review19 R19-4)', () => {
  const { ctx, source } = useStudentsSource();
  const codes = Array.from({ length: 30 }, (_, i) => `GC${String(i).padStart(2, '0')}`);
  const ingest = async (id: string) => runRow(ctx, (await nextRow(ctx.db, ofBatch(id)))!);
  const live = () => liveStudents(ctx);

  it('the vendor’s next snapshot keeps the record it left (the vendor has not had the change)', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c, { fullName: 'Đỗ Văn Gốc' })),
    );
    // The vendor renames the whole school: held whole.
    const held = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id: held,
        clientId: 'vendor-1',
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: codes.map((c) => student(c, { fullName: 'Đỗ Văn Mới' })),
        mode: 'delta',
      }),
    );
    await ingest(held);
    const hold = await holdOf(ctx, held);
    expect(hold).toBeDefined();
    // Meanwhile the city corrects GC00 (a pull writes it), then the admin approves: GC00 keeps the city's state.
    await fullStudentsRun(ctx, source, [[hcmStudent('GC00', { name: 'Đỗ Văn Thành', school: S1 })]]);
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    await drain(ctx, 'ingest');
    const [gc00] = await ctx.db.rows<{ data: { fullName: string } }>(
      'truc.students',
      `student_code = 'GC00'`,
    );
    expect(gc00?.data.fullName).toBe('Đỗ Văn Thành');
    // The vendor's snapshot without GC00 (it never had the city's correction): GC00 is kept, not deleted.
    await vendorBatch(
      ctx,
      codes.slice(1).map((c) => student(c, { fullName: 'Đỗ Văn Mới' })),
      'snapshot',
    );
    expect(await live()).toEqual(codes);
  });
});
