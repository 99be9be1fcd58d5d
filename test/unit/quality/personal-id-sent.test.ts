/**
 * review31: a personal ID the vendor sent but truc refused at input (malformed, or a legacy CMND) is one
 * finding saying so; "missing" (DU_PERSONAL_ID_MISSING, DU_FIELD_MISSING) and "still empty"
 * (SONG_MASTER_DATA_LATE) are for an ID that was not sent at all.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { map } from '../../../src/jobs/judge.js';
import { BatchSink, DEFAULT_QUALITY_CONFIG, checkBatch, ruleByCode } from '../../../src/quality/index.js';
import { CLEAN, codes, ctxOf, runInput } from './helpers.js';

const ABSENCE = ['DU_PERSONAL_ID_MISSING', 'DU_FIELD_MISSING', 'SONG_MASTER_DATA_LATE'];
const config = {
  requiredFields: { students: ['personalId'] },
  masterDataFields: DEFAULT_QUALITY_CONFIG.masterDataFields,
};

/** The findings of record `index` that speak of its personal ID. */
const aboutId = (r: Awaited<ReturnType<typeof runInput>>, index: number): string[] =>
  r.findings.filter((f) => f.index === index && f.pointer === '/personalId').map((f) => f.rule);

describe('a personal ID sent but refused is not also missing', () => {
  it('canonical input: malformed (11 digits, letters) or legacy is one finding; absent or empty is missing', async () => {
    const s = CLEAN.students;
    const r = await runInput(
      'students',
      [
        { ...s, studentCode: 'A', personalId: '07931901234' },
        { ...s, studentCode: 'B', personalId: '07931901234X' },
        { ...s, studentCode: 'C', personalId: '023 456 789' },
        { ...s, studentCode: 'D', personalId: '' },
        { ...s, studentCode: 'E', personalId: undefined },
        { ...s, studentCode: 'F', personalId: '000319012345' },
      ],
      config,
    );
    expect(aboutId(r, 0)).toEqual(['DUNG_PERSONAL_ID_FORMAT']);
    expect(aboutId(r, 1)).toEqual(['DUNG_PERSONAL_ID_FORMAT']);
    expect(aboutId(r, 2)).toEqual(['DUNG_PERSONAL_ID_LEGACY']);
    for (const i of [0, 1, 2]) for (const code of ABSENCE) expect(codes(r, i)).not.toContain(code);
    // Nothing sent: every absence finding, as before.
    for (const i of [3, 4]) expect(aboutId(r, i).sort()).toEqual([...ABSENCE].sort());
    // A wrong province is kept and said as such.
    expect(aboutId(r, 5)).toEqual(['DUNG_PERSONAL_ID_PROVINCE']);
  });

  it('walk9: an ID sent as a JSON number (its leading 0 lost) is told to be sent as text; not the number itself', async () => {
    const s = CLEAN.students;
    const r = await runInput(
      'students',
      [
        { ...s, studentCode: 'A', personalId: 79319012345 },
        { ...s, studentCode: 'B', personalId: '07931901234' },
      ],
      config,
    );
    const [asNumber, asText] = [0, 1].map((i) =>
      r.findings.filter((f) => f.index === i && f.pointer === '/personalId'),
    );
    expect(asNumber!.map((f) => f.rule)).toEqual(['DUNG_PERSONAL_ID_FORMAT']);
    expect(asNumber![0]!.detail).toEqual({
      vi: expect.stringContaining('gửi dạng số nên mất số 0 ở đầu; hãy gửi 12 chữ số dạng chuỗi') as string,
      en: expect.stringContaining(
        'sent as a number, which loses its leading 0: send the 12 digits as text',
      ) as string,
    });
    expect(JSON.stringify(asNumber)).not.toContain('79319012345');
    // sent as text, 11 digits: the rule's words alone, as before
    expect(asText!.map((f) => [f.rule, f.detail])).toEqual([['DUNG_PERSONAL_ID_FORMAT', undefined]]);
  });

  it('a vendor format: the mapping’s refusal (its own pointer) silences the checks’ absence findings too', async () => {
    const ctx = ctxOf('students', config);
    const { personalId: _dropped, ...rec } = CLEAN.students;
    const sink = new BatchSink(ctx, [rec, { ...rec, studentCode: 'B' }]);
    sink.add(0, ruleByCode('DUNG_PERSONAL_ID_FORMAT')!, '/soDinhDanhCaNhan');
    const r = await checkBatch(ctx, sink.records, {}, sink);
    expect(codes(r, 0)).toEqual(['DUNG_PERSONAL_ID_FORMAT']);
    expect(codes(r, 1).sort()).toEqual([...ABSENCE].sort());
  });

  // fix32b: moet-pcgd's persons mapping refuses a malformed ID with its own MAP_BAD_PERSONAL_ID (the person is kept,
  // without the ID), and the person got DU_PERSONAL_ID_MISSING beside it.
  it('moet-pcgd survey persons: a malformed ID is MAP_BAD_PERSONAL_ID alone; no ID sent is missing', async () => {
    const wire = JSON.parse(
      readFileSync(new URL('../../fixtures/moet-pcgd/person-student.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const mapped = map(
      {
        entity: 'persons',
        mapping: inboundMapping('moet-pcgd', 'persons'),
        trusted: true,
        batch: {
          format: 'moet-pcgd',
          schoolCode: '',
          records: [
            // three persons (a repeated key's record is told only what its first is not: walk13)
            { ...wire, soDinhDanh: '07931900000' },
            { ...wire, maDoiTuong: '26740-000124', soDinhDanh: 'không có' },
            { ...wire, maDoiTuong: '26740-000125', soDinhDanh: null },
          ],
        },
      },
      { now: () => new Date('2025-10-01T03:00:00Z'), config: loadConfig() },
    );
    const checked = await checkBatch(mapped.ctx, mapped.sink.records, {}, mapped.sink);
    const aboutId = (index: number): string[] =>
      checked.findings
        .filter((f) => f.index === index && (f.pointer === '/personalId' || f.pointer === '/soDinhDanh'))
        .map((f) => f.rule);
    expect(mapped.records.every((r) => r !== undefined)).toBe(true);
    expect(aboutId(0)).toEqual(['MAP_BAD_PERSONAL_ID']);
    expect(aboutId(1)).toEqual(['MAP_BAD_PERSONAL_ID']);
    expect(aboutId(2)).toEqual(['DU_PERSONAL_ID_MISSING']);
  });
});
