/**
 * fix12: what a refused or repeated record tells a vendor, through the real API (a dry run of a canonical batch;
 * real PostgreSQL). W10-2: a record with a schema error is told every other problem it has at once, not one push per
 * problem. W9-9: a record repeating an earlier one's key is not told that one's findings again, and says which it
 * repeats. Unknown keys: one finding naming them, no value. The integration guide's example record gets the findings
 * the guide says (it said none; pushed as written it has four warnings).
 */
import { describe, expect, it } from 'vitest';
import { S1, useApiHarness } from '../helpers/api.js';
import { vietnamDay } from '../helpers/vietnam-day.js';
import { schoolYearOf } from '../../src/canonical/school-year.js';
import { student } from '../factories/records.js';
import { readFileSync } from 'node:fs';

const GUIDE = readFileSync(new URL('../../docs/integration-guide.md', import.meta.url), 'utf8');

interface Found {
  recordIndex: number;
  rule: string;
  severity: string;
  pointer: string;
  detail?: { vi: string; en: string };
}

const DAY_MS = 86_400_000;

describe('fix12: a refused record is told all it can be, once', () => {
  const h = useApiHarness({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });

  /** The findings of a dry run of `records`, the records' own (not the batch's). */
  const findingsOf = async (records: unknown[]): Promise<Found[]> => {
    const res = await h.send('POST', `/v1/schools/${S1}/batches?dryRun=true`, h.tokens.vendor, {
      entity: 'students',
      format: 'canonical',
      records,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ findings: Found[] }>().findings.filter((f) => f.recordIndex >= 0);
  };
  const said = (fs: Found[]): string[] => fs.map((f) => `${f.recordIndex} ${f.rule} ${f.pointer}`);

  it('W10-2: a wrong type in one field hides none of the record’s other problems', async () => {
    const future = vietnamDay(Date.now() + 400 * DAY_MS);
    const rec = {
      ...student('A', { schoolCode: S1, personalId: '079220001239', birthDate: future }),
      grade: 3,
    };
    const found = said(await findingsOf([rec]));
    expect(found).toContain('0 DUNG_CODE_UNKNOWN /grade');
    expect(found).toContain('0 DUNG_DATE_IN_FUTURE /birthDate');
    expect(found).toContain('0 DUNG_PERSONAL_ID_BIRTH_YEAR_MISMATCH /personalId');
    // the refused field is told once, by the schema's finding; a rule that needs it says nothing
    expect(found.filter((f) => f.includes('/grade'))).toEqual(['0 DUNG_CODE_UNKNOWN /grade']);
    expect(found).not.toContain('0 DUNG_AGE_FOR_GRADE /birthDate');
  });

  it('W10-2: a required field not sent is told once, missing, with the rest', async () => {
    const { fullName: _gone, ...rec } = student('A', { schoolCode: S1, birthDate: '2030-02-30' });
    const found = said(await findingsOf([{ ...rec, sex: 'x' }]));
    expect(found).toContain('0 DU_REQUIRED_MISSING /fullName');
    expect(found.filter((f) => f.includes('/fullName'))).toEqual(['0 DU_REQUIRED_MISSING /fullName']);
    expect(found).toContain('0 DUNG_DATE_INVALID /birthDate');
    expect(found).toContain('0 DUNG_CODE_UNKNOWN /sex');
    expect(found).toContain('0 DU_STUDENT_WITHOUT_CLASS /classCode');
  });

  it('W9-9: a record sent twice is told its problems once, the repeat pointing at its first', async () => {
    const twin = student('A', { schoolCode: S1, personalId: '079220001239', fullName: 'nguyen van an' });
    const other = student('B', { schoolCode: S1, fullName: 'Trần Thị Bình' });
    const all = await findingsOf([twin, other, twin, { ...twin, classCode: '1A1' }]);
    const first = said(all.filter((f) => f.recordIndex === 0));
    expect(first).toContain('0 SACH_NAME_CASE /fullName');
    // the repeat: only that it repeats, and which record it repeats
    const repeat = all.filter((f) => f.recordIndex === 2);
    expect(said(repeat)).toEqual(['2 SACH_DUPLICATE_IN_BATCH ']);
    expect(repeat[0]!.detail?.en).toContain('recordIndex 0');
    expect(repeat[0]!.detail?.vi).toContain('recordIndex 0');
    // a repeat that differs is told only what its first is not (it has a class: nothing of a pupil without one)
    const changed = said(all.filter((f) => f.recordIndex === 3)).map((f) => f.slice(2));
    expect(changed).toContain('SACH_DUPLICATE_IN_BATCH ');
    for (const f of first) expect(changed).not.toContain(f.slice(2));
  });

  it('unknown keys: one finding naming them, no value', async () => {
    const extra = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`extra${i}`, 'x']));
    const found = await findingsOf([
      { ...student('A', { schoolCode: S1 }), ...extra, '079220001234': 'Lê Thị Hoa' },
    ]);
    const schema = found.filter((f) => f.rule === 'DUNG_SCHEMA');
    expect(schema).toHaveLength(1);
    expect(schema[0]!.detail?.en).toContain('extra0, extra1');
    expect(schema[0]!.detail?.en).toContain('+6)');
    expect(JSON.stringify(found)).not.toMatch(/079220001234|Lê Thị Hoa/);
  });

  it('the integration guide’s record gets the findings the guide says', async () => {
    const code = GUIDE.slice(GUIDE.indexOf('const records = ['), GUIDE.indexOf('const check ='));
    const literal = /const records = (\[[\s\S]*?\]);/.exec(code)![1]!;
    // the guide's TypeScript literal as JSON: its keys quoted, its strings in double quotes, no `as const`
    const json = literal
      .replace(/ as const/g, '')
      // the year the guide works out (test/unit/walk13-guide.test.ts checks its rule): today's
      .replace(/\bSCHOOL_YEAR\b/g, `'${schoolYearOf(vietnamDay())}'`)
      .replace(/'/g, '"')
      .replace(/([{,]\s*)([A-Za-z]+):/g, '$1"$2":');
    const records = (JSON.parse(json) as Array<Record<string, unknown>>).map((r) => ({
      ...r,
      schoolCode: S1,
    }));
    // the harness's school is in no school list (the guide's is the demo's): that warning is the harness's
    const found = (await findingsOf(records)).filter((f) => f.rule !== 'DUNG_SCHOOL_UNLISTED');
    const said = GUIDE.slice(GUIDE.indexOf('// check.findings'), GUIDE.indexOf('// 3. poll'));
    for (const f of found) expect(said, f.rule).toContain(f.rule);
    for (const f of found) expect(said, f.pointer).toContain(f.pointer);
    expect(found.filter((f) => f.severity === 'error')).toEqual([]);
    expect(said).toContain('no error');
    // the date-bound rule aside, the count the guide gives is the record's
    if (found.some((f) => f.rule === 'SONG_MASTER_DATA_LATE'))
      expect(said).toContain(`${found.length} warnings, no error`);
  });
});
