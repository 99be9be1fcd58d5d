/**
 * The canonical schemas' fast path (`asIsParser`): whenever it answers, the answer is exactly what
 * the zod schema returns (same fields, same key order); it answers for clean records and leaves to zod
 * every value the schema would change or refuse.
 */
import { describe, expect, it } from 'vitest';
import { asIsDraftParser, asIsParser } from '../../../src/canonical/as-is.js';
import { ENTITY_SCHEMAS, type EntityName } from '../../../src/canonical/entities.js';
import { buildDefectSet } from '../../fixtures/quality/defect-set.js';
import { compact } from '../../../src/mappings/common.js';
import { classGroup, school, staff, student } from '../../factories/records.js';

type Raw = Record<string, unknown>;

/** Odd values for a field: each one the schema changes, refuses or takes as it is. */
const ODD: readonly unknown[] = [
  '',
  ' ',
  ' x',
  'x ',
  'a  b',
  'NGUYEN@MAIL.VN',
  'Nguye\u0302\u0303n',
  'tab\there',
  '0912 345 678',
  '2025-02-30',
  '2025-2027',
  'TAM-123',
  'tam-012345678901',
  'TAM-012345678901',
  '012345678901',
  '1',
  '99',
  'x'.repeat(33),
  'Lê Thị Lan',
  "O'Neil-Smith",
  'Ω',
  '\u0000',
  '\u200b',
  '\ufffd',
  12,
  2030.5,
  true,
  null,
  [],
  {},
];

/** Compares the fast path with zod on `raw`; returns whether the fast path answered. */
function compare(entity: EntityName, raw: unknown): boolean {
  const schema = ENTITY_SCHEMAS[entity];
  const fast = asIsParser(schema)(raw);
  if (fast === undefined) return false;
  const parsed = schema.safeParse(raw);
  expect(parsed.success, `${entity} ${JSON.stringify(raw)}`).toBe(true);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(parsed.data));
  expect(fast).toEqual(parsed.data);
  return true;
}

function variants(rec: Raw): Raw[] {
  const out: Raw[] = [];
  for (const key of Object.keys(rec)) {
    for (const v of ODD) out.push({ ...rec, [key]: v });
    out.push({ ...rec, [key]: undefined });
    const { [key]: _dropped, ...rest } = rec;
    out.push(rest);
  }
  out.push({ ...rec, extra: 'x' });
  out.push({ ...rec, ['__proto__']: 'x' });
  out.push(JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(rec).slice(1)}`) as Raw);
  out.push(Object.assign(Object.create({ inherited: 1 }) as Raw, rec));
  return out;
}

describe('asIsParser', () => {
  const factories: readonly [EntityName, Raw][] = [
    ['students', { ...student('HS1'), fatherName: 'Nguyễn Văn Hùng', phone: '0912345678' }],
    ['staff', { ...staff('GV001'), email: 'gv001@hcm.edu.vn' }],
    ['schools', school()],
    ['classes', classGroup()],
  ];

  it.each(factories)('answers for a clean %s record, exactly as zod', (entity, rec) => {
    expect(compare(entity, rec)).toBe(true);
  });

  it.each(factories)('agrees with zod on every variant of a %s record', (entity, rec) => {
    let answered = 0;
    const all = variants(rec);
    for (const v of all) if (compare(entity, v)) answered++;
    // Some variants are clean (an optional field dropped, a value still valid as it is), most are not.
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(all.length / 2);
  });

  it('leaves values to normalise, refuse or judge to zod', () => {
    const rec = { ...student('HS1'), fatherName: 'Nguyễn Văn Hùng' } as Raw;
    const parse = asIsParser(ENTITY_SCHEMAS.students);
    expect(parse({ ...rec, fullName: 'Nguyễn  Văn An' })).toBeUndefined();
    expect(parse({ ...rec, fullName: 'Nguye\u0302\u0303n Văn An' })).toBeUndefined();
    expect(parse({ ...rec, birthDate: ' 2015-01-01' })).toBeUndefined();
    expect(parse({ ...rec, phone: '0912 345 678' })).toBeUndefined();
    expect(parse({ ...rec, studentCode: 'tam-1' })).toBeUndefined();
    expect(parse({ ...rec, unknown: 1 })).toBeUndefined();
    expect(parse({ ...rec, classCode: undefined })).toBeUndefined();
    expect(parse([rec])).toBeUndefined();
    expect(asIsParser(ENTITY_SCHEMAS.staff)({ ...staff('GV001'), subjects: ['Toán'] })).toBeUndefined();
  });

  it('tests a value again whenever it differs from the last one a field passed', () => {
    // Each field remembers the last value its test passed: a different value is always tested.
    const rec = { ...student('HS1'), fatherName: 'Nguyễn Văn Hùng' } as Raw;
    const parse = asIsParser(ENTITY_SCHEMAS.students);
    for (const [field, bad] of [
      ['schoolCode', 'TH 01'],
      ['birthDate', '2015-02-30'],
      ['sex', 'Male'],
      ['fatherName', 'Nguyễn  Văn Hùng'],
    ] as const) {
      expect(parse(rec), field).toBeDefined();
      expect(parse({ ...rec, [field]: bad }), `${field} ${bad}`).toBeUndefined();
      expect(parse(rec), field).toEqual(ENTITY_SCHEMAS.students.parse(rec));
    }
  });

  it('agrees with zod on every record of the defect set', () => {
    const answered = new Map<EntityName, number>();
    for (const batch of buildDefectSet()) {
      for (const raw of batch.records) {
        if (compare(batch.entity, raw)) answered.set(batch.entity, (answered.get(batch.entity) ?? 0) + 1);
      }
    }
    for (const entity of ['students', 'staff', 'schools', 'classes'] as const) {
      expect(answered.get(entity) ?? 0, entity).toBeGreaterThan(0);
    }
  });
});

describe('asIsDraftParser', () => {
  const factories: readonly [EntityName, Raw][] = [
    ['students', { ...student('HS1'), fatherName: 'Nguyễn Văn Hùng', phone: '0912345678' }],
    ['staff', { ...staff('GV001'), email: 'gv001@hcm.edu.vn' }],
    ['schools', school()],
    ['classes', classGroup()],
  ];

  /** A mapping's draft of `rec`: every field of the schema, `undefined` where `rec` has none, in the schema's order. */
  const draftOf = (entity: EntityName, rec: Raw): Raw =>
    Object.fromEntries(Object.keys(ENTITY_SCHEMAS[entity].shape).map((k) => [k, rec[k]]));

  /** The draft parser's answer for `draft`, checked against `asIsParser`'s for the draft without its undefined fields. */
  function compareDraft(entity: EntityName, draft: Raw): boolean {
    const schema = ENTITY_SCHEMAS[entity];
    const taken = asIsDraftParser(schema)(draft);
    if (taken === undefined) return false;
    const compacted = asIsParser(schema)(compact(draft));
    expect(compacted, `${entity} ${JSON.stringify(draft)}`).toBeDefined();
    expect(JSON.stringify(taken)).toBe(JSON.stringify(compacted));
    expect(Object.keys(taken)).toEqual(Object.keys(compacted!));
    expect(taken).toStrictEqual(compacted);
    return true;
  }

  it.each(factories)('answers for a clean %s draft, its fields without a value left out', (entity, rec) => {
    const draft = draftOf(entity, rec);
    expect(Object.values(draft)).toContain(undefined);
    expect(compareDraft(entity, draft)).toBe(true);
    expect(Object.keys(asIsDraftParser(ENTITY_SCHEMAS[entity])(draft)!)).toEqual(Object.keys(compact(draft)));
  });

  it.each(factories)(
    'answers for every variant of a %s draft what asIsParser answers without its undefined fields',
    (entity, rec) => {
      let answered = 0;
      const all = [...variants(rec), ...variants(rec).map((v) => ({ ...draftOf(entity, v), ...v }))];
      for (const v of all) if (compareDraft(entity, v)) answered++;
      expect(answered).toBeGreaterThan(0);
      expect(answered).toBeLessThan(all.length / 2);
    },
  );

  it('leaves a required field without a value, an unknown key or another prototype to zod', () => {
    const draft = draftOf('students', { ...student('HS1') });
    const parse = asIsDraftParser(ENTITY_SCHEMAS.students);
    expect(parse(draft)).toBeDefined();
    expect(parse({ ...draft, fullName: undefined })).toBeUndefined();
    expect(parse({ ...draft, unknown: undefined })).toBeUndefined();
    expect(parse({ ...draft, unknown: 1 })).toBeUndefined();
    expect(parse(Object.assign(Object.create({ inherited: 1 }) as Raw, draft))).toBeUndefined();
    // The plain parser still leaves a present `undefined` to zod.
    expect(asIsParser(ENTITY_SCHEMAS.students)(draft)).toBeUndefined();
  });
});
