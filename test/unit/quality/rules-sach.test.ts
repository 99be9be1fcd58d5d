/** Every rule of sạch (clean): a passing case, a failing case and its boundaries. */
import { describe, expect, it } from 'vitest';
import { toTcvn3Mojibake, toVniMojibake } from '../../../src/canonical/legacy-encodings.js';
import { CLEAN, codes, rec, run, runInput } from './helpers.js';

describe('sạch', () => {
  it('NFD, extra spaces: normalised and the change reported', async () => {
    const r = await runInput('students', [
      { ...CLEAN.students, fullName: `  ${'Nguyễn Thị  Hồng'.normalize('NFD')} ` },
    ]);
    expect(codes(r)).toEqual(['SACH_TEXT_NORMALISED']);
    expect(r.records[0]?.['fullName']).toBe('Nguyễn Thị Hồng');
    expect(r.findings[0]?.severity).toBe('info');
  });

  it('names in proper case: stored corrected, reported', async () => {
    const r = await run('students', [
      rec('students', { fullName: 'NGUYỄN THỊ HỒNG', fatherName: 'nguyễn văn nam' }),
    ]);
    expect(r.findings.map((f) => `${f.rule} ${f.pointer}`)).toEqual([
      'SACH_NAME_CASE /fullName',
      'SACH_NAME_CASE /fatherName',
    ]);
    expect(r.records[0]).toMatchObject({ fullName: 'Nguyễn Thị Hồng', fatherName: 'Nguyễn Văn Nam' });
  });

  it('VNI and TCVN3 mojibake repaired (input step and canonical records), reported', async () => {
    const vni = toVniMojibake('Trần Thị Hồng Nhung');
    const tcvn3 = toTcvn3Mojibake('Nguyễn Văn Nam');
    expect(vni).toBe('Traàn Thò Hoàng Nhung');
    expect(tcvn3).toBe('NguyÔn V¨n Nam');
    const input = await runInput('students', [
      { ...CLEAN.students, fullName: vni },
      { ...CLEAN.students, studentCode: 'B', fullName: tcvn3 },
    ]);
    expect(codes(input, 0)).toEqual(['SACH_MOJIBAKE_REPAIRED']);
    expect(input.records[0]?.['fullName']).toBe('Trần Thị Hồng Nhung');
    expect(input.records[1]?.['fullName']).toBe('Nguyễn Văn Nam');
    const mapped = await run('students', [rec('students', { motherName: toVniMojibake('Lê Thị Thủy') })]);
    expect(codes(mapped)).toEqual(['SACH_MOJIBAKE_REPAIRED']);
    expect(mapped.records[0]?.['motherName']).toBe('Lê Thị Thủy');
  });

  it('mojibake that cannot be repaired is refused', async () => {
    const r = await run('schools', [rec('schools', { address: '12 §­êng ¸¸¸' })]);
    expect(codes(r)).toEqual(['SACH_MOJIBAKE']);
    expect(r.rejected.has(0)).toBe(true);
  });

  it('control and replacement characters refused', async () => {
    const input = await runInput('students', [{ ...CLEAN.students, fullName: 'Nguyễn\u202eThị' }]);
    expect(codes(input)).toEqual(['SACH_CONTROL_CHARS']);
    expect(input.rejected.has(0)).toBe(true);
    const r = await run('schools', [rec('schools', { address: '12 Tr\ufffdn Hưng Đạo' })]);
    expect(codes(r)).toEqual(['SACH_REPLACEMENT_CHAR']);
  });

  it.each(['x', 'X', 'Không có', 'KHONG CO', '...', '0000', 'n/a', 'chưa cập nhật'])(
    'placeholder %j refused',
    async (v) => {
      const r = await run('students', [rec('students', { fatherName: v })]);
      expect(codes(r)).toEqual(['SACH_PLACEHOLDER']);
    },
  );

  it('placeholder phone and e-mail; real short names are not placeholders', async () => {
    const r = await run('staff', [
      rec('staff', { phone: '0000000000' }),
      rec('staff', { email: 'test@hcm.edu.vn' }),
      rec('staff', { fullName: 'Lò Na' }),
    ]);
    expect(codes(r, 0)).toContain('SACH_PLACEHOLDER');
    expect(codes(r, 1)).toEqual(['SACH_PLACEHOLDER']);
    expect(codes(r, 2)).toEqual([]);
  });

  it('duplicates in a batch: the same key, the same personal ID, probable duplicates without an ID', async () => {
    const r = await run('students', [
      rec('students', { studentCode: 'A', personalId: '079319012345' }),
      rec('students', { studentCode: 'A', personalId: '079319012345' }),
      rec('students', { studentCode: 'B', personalId: '079319012345' }),
      rec('students', {
        studentCode: 'C',
        personalId: undefined,
        fullName: 'Trần Văn An',
        birthDate: '2019-05-05',
        fatherName: 'Trần Văn Ba',
      }),
      rec('students', {
        studentCode: 'D',
        personalId: undefined,
        fullName: 'trần văn an',
        birthDate: '2019-05-05',
        fatherName: 'Trần Văn Ba',
      }),
      rec('students', {
        studentCode: 'E',
        personalId: undefined,
        fullName: 'Trần Văn An',
        birthDate: '2019-05-05',
        fatherName: 'Lê Văn Tư',
      }),
    ]);
    expect(codes(r, 1)).toEqual(['SACH_DUPLICATE_IN_BATCH']);
    expect(codes(r, 2)).toEqual(['SACH_DUPLICATE_PERSONAL_ID']);
    expect(codes(r, 4)).toContain('SACH_PROBABLE_DUPLICATE');
    expect(codes(r, 5)).not.toContain('SACH_PROBABLE_DUPLICATE'); // another father
    expect(codes(r, 0)).toEqual([]);
  });

  it('a child active at two schools (across batches, through the store)', async () => {
    const holders = new Map([['079319012345', [{ key: 'OTHER', schoolCode: '79000002' }]]]);
    const r = await run(
      'students',
      [
        rec('students', { personalId: '079319012345' }),
        rec('students', { studentCode: 'X', personalId: '079319099999', status: 'transferred_out' }),
      ],
      {
        lookups: { activeHolders: async () => holders },
      },
    );
    expect(codes(r, 0)).toEqual(['SACH_ACTIVE_AT_TWO_SCHOOLS']);
    expect(codes(r, 1)).toEqual([]);
  });

  it('a personal ID another live record of the same school holds in the store (across batches)', async () => {
    const id = '079319012345';
    const holders = new Map([
      [id, [{ key: 'STORED', schoolCode: '79000001' }]],
      ['079319099999', [{ key: 'ELSEWHERE', schoolCode: '79000002' }]],
    ]);
    const mine = (studentCode: string, personalId: string) =>
      rec('students', { studentCode, personalId, schoolCode: '79000001' });
    const lookups = { scopeHolders: async () => holders };
    const r = await run('students', [mine('NEW', id), mine('OTHER', '079319099999')], { lookups });
    expect(codes(r, 0)).toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    expect(r.rejected.has(0)).toBe(true);
    // Held at another school only: not this rule's (the two-schools rule's).
    expect(codes(r, 1)).not.toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    // The batch carries the stored holder with another ID: judged as the batch has it, no duplicate.
    const fixed = await run('students', [mine('NEW', id), mine('STORED', '079319000000')], { lookups });
    expect(codes(fixed, 0)).not.toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    expect(codes(fixed, 1)).not.toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
  });

  it('a probable duplicate of a stored record (name, birth date, a parent; one side without an ID)', async () => {
    const mine = rec('students', { personalId: undefined, fullName: 'Lê Thị Hoa', birthDate: '2018-05-06' });
    const stored = (changes: Record<string, unknown>) => ({
      key: 'ELSEWHERE',
      rec: { ...mine, studentCode: 'ELSEWHERE', schoolCode: '79000002', ...changes },
    });
    const runWith = async (twins: { key: string; rec: Record<string, unknown> }[], recs = [mine]) => {
      const r = await run('students', recs, {
        lookups: { bornOn: async () => new Map([['2018-05-06', twins]]) },
      });
      return { ...r, findings: r.findings.filter((f) => f.rule.startsWith('SACH_')) };
    };
    // Same name (any case and spacing), same day, same father: flagged.
    expect(codes(await runWith([stored({ fullName: 'LÊ  THỊ HOA' })]))).toEqual([
      'SACH_PROBABLE_DUPLICATE_STORED',
    ]);
    // Another father and mother: not the same child.
    expect(codes(await runWith([stored({ fatherName: 'Trần Văn Ba', motherName: undefined })]))).toEqual([]);
    // Both with a personal ID: twins are told apart by their IDs, not flagged.
    const withId = { ...mine, personalId: '079318000001' };
    expect(codes(await runWith([stored({ personalId: '079318000002' })], [withId]))).toEqual([]);
    // The record itself, stored before: not its own duplicate.
    expect(codes(await runWith([{ key: String(mine['studentCode']), rec: mine }]))).toEqual([]);
  });
});
