/**
 * review14 item 1: a record the schema or a vendor mapping refuses is still one of its batch. Two refused records of
 * one key were told no SACH_DUPLICATE_IN_BATCH (canonical pushes and smas/vnedu-mapped ones), each told all its
 * findings again, and a record repeating a refused one's key was taken. Through the real API (a dry run; PostgreSQL).
 */
import { describe, expect, it } from 'vitest';
import { S1, useApiHarness } from '../helpers/api.js';
import { smasStudent, student } from '../factories/records.js';

const SMAS = smasStudent();

interface Found {
  recordIndex: number;
  rule: string;
  pointer: string;
  severity: string;
  detail?: { vi: string; en: string };
}

describe('review14: a refused record’s key repeats like any other’s', () => {
  const h = useApiHarness({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });

  /** A dry run's record findings of `records` in `format`. */
  const dryRun = async (format: string, records: unknown[]): Promise<Found[]> => {
    const res = await h.send('POST', `/v1/schools/${S1}/batches?dryRun=true`, h.tokens.vendor, {
      entity: 'students',
      format,
      records,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ findings: Found[] }>().findings.filter((f) => f.recordIndex >= 0);
  };
  const said = (fs: Found[], index: number): string[] =>
    fs.filter((f) => f.recordIndex === index).map((f) => `${f.rule} ${f.pointer}`);
  const repeatOf = (fs: Found[], index: number): Found | undefined =>
    fs.find((f) => f.recordIndex === index && f.rule === 'SACH_DUPLICATE_IN_BATCH');

  it('canonical: two records the schema refuses, one key: the second is told it repeats the first, once', async () => {
    const refused = { ...student('A', { schoolCode: S1 }), grade: 3 };
    const found = await dryRun('canonical', [refused, student('B', { schoolCode: S1 }), refused]);
    expect(said(found, 0)).toContain('DUNG_CODE_UNKNOWN /grade');
    expect(said(found, 2)).toEqual(['SACH_DUPLICATE_IN_BATCH ']);
    expect(repeatOf(found, 2)!.detail?.en).toContain('recordIndex 0');
    expect(repeatOf(found, 2)!.detail?.vi).toContain('recordIndex 0');
  });

  it('canonical: a record after a refused one of its key, or of its personal ID, is told so and not taken', async () => {
    const id = '079220001239';
    const refused = { ...student('A', { schoolCode: S1, personalId: id }), grade: 3 };
    const found = await dryRun('canonical', [
      refused,
      student('A', { schoolCode: S1 }),
      student('C', { schoolCode: S1, personalId: id }),
    ]);
    expect(repeatOf(found, 1)).toMatchObject({ severity: 'error', pointer: '' });
    expect(repeatOf(found, 1)!.detail?.en).toContain('recordIndex 0');
    const sameId = found.find((f) => f.recordIndex === 2 && f.rule === 'SACH_DUPLICATE_PERSONAL_ID');
    expect(sameId?.detail?.en).toContain('recordIndex 0');
  });

  it('canonical: a record whose key field is refused repeats nothing (its key is not known)', async () => {
    const { studentCode: _code, ...rest } = student('A', { schoolCode: S1 });
    const found = await dryRun('canonical', [
      { ...rest, studentCode: 5 },
      { ...rest, studentCode: 5 },
    ]);
    expect(said(found, 0)).toContain('DUNG_SCHEMA /studentCode');
    expect(found.filter((f) => f.rule === 'SACH_DUPLICATE_IN_BATCH')).toEqual([]);
  });

  it('smas: two records the mapping refuses, one key: the second is told it repeats the first, once', async () => {
    const refused = { ...SMAS, GioiTinh: 'X' };
    const found = await dryRun('smas', [refused, refused]);
    expect(said(found, 0)).toContain('MAP_UNKNOWN_CODE /GioiTinh');
    expect(said(found, 1)).toEqual(['SACH_DUPLICATE_IN_BATCH ']);
    expect(repeatOf(found, 1)!.detail?.en).toContain('recordIndex 0');
  });
});
