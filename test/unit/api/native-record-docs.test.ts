/**
 * W5-11: a vendor writes a native SMAS or vnEdu batch from the OpenAPI document alone. Each field of a native record
 * says what its mapping reads there: a code field's `enum` is the mapping's own table (checked here against the
 * tables themselves, not against the generator), a date's and a school year's pattern or bounds are the readers',
 * every field has a `vi / en` description and an example, and each accepted value maps with no finding.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { smasRecordSchemas } from '../../../src/adapters/smas/schema.js';
import { vneduRecordSchemas } from '../../../src/adapters/vnedu/schema.js';
import { withRecordSchemas } from '../../../src/api/record-schemas.js';
import type { CodeList } from '../../../src/canonical/codes/code-list.js';
import { ETHNICITY_CODE_LIST } from '../../../src/canonical/codes/ethnicity.js';
import { STAFF_POSITION_CODE_LIST } from '../../../src/canonical/codes/staff-position.js';
import { STUDENT_STATUS_CODE_LIST } from '../../../src/canonical/codes/student-status.js';
import { LOOSE_SCHOOL_YEAR } from '../../../src/canonical/school-year.js';
import { DMY_DATE, ISO_DATE } from '../../../src/mappings/common.js';
import {
  SMAS_DISABILITY,
  SMAS_GRADE,
  SMAS_SEX,
  SMAS_STAFF_STATUS,
} from '../../../src/mappings/smas/codes.js';
import { smasMappings } from '../../../src/mappings/smas/index.js';
import {
  VNEDU_DISABILITY,
  VNEDU_ETHNICITY,
  VNEDU_GRADE,
  VNEDU_POSITION,
  VNEDU_SEX,
  VNEDU_STAFF_STATUS,
  VNEDU_STUDENT_STATUS,
} from '../../../src/mappings/vnedu/codes.js';
import { vneduMappings } from '../../../src/mappings/vnedu/index.js';
import { VNEDU_START_YEARS } from '../../../src/mappings/vnedu/support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Entity = 'students' | 'staff' | 'classes';

/** The record components as the code generates them now (a minimal document through `withRecordSchemas`). */
const live = withRecordSchemas({
  components: { schemas: { BatchRequestInput: { properties: { records: { type: 'array' } } } } },
}).components.schemas as Record<string, Json>;
const committed = JSON.parse(readFileSync('openapi/truc.v1.json', 'utf8')).components.schemas as Record<
  string,
  Json
>;

const sorted = (values: unknown[]) => [...values].map(String).sort();
const labels = (list: CodeList) => list.entries.map((e) => e.labelVi);
const wireOf = (table: { toWire: ReadonlyMap<string, unknown> }) => [...table.toWire.values()];

/** What each code field of each native record takes: its system's table, or the canonical list's labels. */
const EXPECTED: Record<'smas' | 'vnedu', Record<Entity, Record<string, unknown[]>>> = {
  smas: {
    students: {
      GioiTinh: wireOf(SMAS_SEX),
      DanToc: labels(ETHNICITY_CODE_LIST),
      KhoiHoc: wireOf(SMAS_GRADE),
      TrangThai: labels(STUDENT_STATUS_CODE_LIST),
      LoaiKhuyetTat: wireOf(SMAS_DISABILITY),
    },
    staff: {
      GioiTinh: wireOf(SMAS_SEX),
      DanToc: labels(ETHNICITY_CODE_LIST),
      ChucVu: labels(STAFF_POSITION_CODE_LIST),
      TrangThai: wireOf(SMAS_STAFF_STATUS),
    },
    classes: { KhoiHoc: wireOf(SMAS_GRADE) },
  },
  vnedu: {
    students: {
      gender: wireOf(VNEDU_SEX),
      ethnic_id: wireOf(VNEDU_ETHNICITY),
      grade_id: wireOf(VNEDU_GRADE),
      status_id: wireOf(VNEDU_STUDENT_STATUS),
      disability_id: wireOf(VNEDU_DISABILITY),
    },
    staff: {
      gender: wireOf(VNEDU_SEX),
      ethnic_id: wireOf(VNEDU_ETHNICITY),
      position_id: wireOf(VNEDU_POSITION),
      status_id: wireOf(VNEDU_STAFF_STATUS),
    },
    classes: { grade_id: wireOf(VNEDU_GRADE) },
  },
};

const MAPPINGS = { smas: smasMappings, vnedu: vneduMappings } as const;
const WIRE = { smas: smasRecordSchemas, vnedu: vneduRecordSchemas } as const;
const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const recordOf = (format: string, entity: string) => live[`${pascal(format)}${pascal(entity)}Record`]!;

/** A field's value schema: the non-null branch of an `anyOf`, else itself. */
const valueOf = (field: Json): Json =>
  (field.anyOf as Json[] | undefined)?.find((b) => b.type !== 'null') ?? field;
const enumOf = (field: Json): unknown[] | undefined =>
  (valueOf(field).enum as unknown[] | undefined)?.filter((v) => v !== null);
/** The record made of each field's example, as a vendor reading the document would build it. */
const exampleOf = (record: Json): Json =>
  Object.fromEntries(
    Object.entries(record.properties as Record<string, Json>)
      .filter(([, f]) => f.examples)
      .map(([name, f]) => [name, f.examples[0]]),
  );
const ctx = { schoolCode: '79000001', now: () => new Date('2026-12-07T00:00:00Z') };

const cases = (['smas', 'vnedu'] as const).flatMap((format) =>
  (['students', 'staff', 'classes'] as const).map((entity) => [format, entity] as const),
);

describe('native batch records in the OpenAPI document (W5-11)', () => {
  it('the committed document holds the records the code generates (npm run openapi:export)', () => {
    for (const [format, entity] of cases) {
      const name = `${pascal(format)}${pascal(entity)}Record`;
      expect(committed[name], name).toEqual(live[name]);
    }
  });

  it.each(cases)(
    '%s %s: each code field’s enum is its mapping’s table (none where it reads other spellings), and no other field has one',
    (format, entity) => {
      const props = recordOf(format, entity).properties as Record<string, Json>;
      const withEnum = Object.keys(props).filter((name) => enumOf(props[name]!));
      // review6 R6-10: SMAS reads other spellings of a code too ('nam', truc's code, any case): an enum of its own
      // table made a validator refuse a value the mapping maps. Its values are listed in the field's words instead.
      if (format === 'smas') {
        expect(withEnum).toEqual([]);
        for (const [name, values] of Object.entries(EXPECTED[format][entity]))
          for (const v of values) expect(props[name]!.description, name).toContain(String(v));
        return;
      }
      expect(withEnum.sort()).toEqual(Object.keys(EXPECTED[format][entity]).sort());
      for (const [name, values] of Object.entries(EXPECTED[format][entity])) {
        expect(sorted(enumOf(props[name]!)!), name).toEqual(sorted(values));
        // a nullable field's enum also lists null, or a validator would refuse the null its type allows
        const nullable = JSON.stringify(props[name]).includes('"null"');
        if (nullable && !props[name]!.anyOf) expect(props[name]!.enum).toContain(null);
      }
    },
  );

  it('smas: other spellings the document no longer refuses are read by the mapping, with no finding (R6-10)', () => {
    const base = exampleOf(recordOf('smas', 'students'));
    for (const [value, code] of [
      ['nam', 'male'],
      ['NỮ', 'female'],
      ['female', 'female'],
    ] as const) {
      const out = smasMappings.students.toCanonical({ ...base, GioiTinh: value } as never, ctx);
      expect(
        out.findings.filter((f) => f.pointer === '/GioiTinh'),
        value,
      ).toEqual([]);
      expect(out.ok && (out.value as Record<string, unknown>).sex, value).toBe(code);
    }
  });

  it.each(cases)(
    '%s %s: every value of every enum is read by the mapping, one code each, no finding',
    (format, entity) => {
      const mapping = MAPPINGS[format][entity];
      const base = exampleOf(recordOf(format, entity));
      for (const [name, values] of Object.entries(EXPECTED[format][entity])) {
        const canonical = Object.keys(mapping.wireNames).find((k) => mapping.wireNames[k] === name)!;
        const codes = values.map((value) => {
          const out = mapping.toCanonical({ ...base, [name]: value } as never, ctx);
          expect(
            out.findings.filter((f) => f.pointer === `/${name}`),
            `${name}=${String(value)}`,
          ).toEqual([]);
          return out.ok ? (out.value as Record<string, unknown>)[canonical] : undefined;
        });
        expect(new Set(codes).size, name).toBe(values.length);
        expect(codes, name).not.toContain(undefined);
      }
    },
  );

  it.each(cases)(
    '%s %s: each field is described in both languages, with an example its own keywords take',
    (format, entity) => {
      const props = recordOf(format, entity).properties as Record<string, Json>;
      const read = new Set(Object.values(MAPPINGS[format][entity].wireNames));
      for (const [name, field] of Object.entries(props)) {
        expect(field.description, name).toMatch(/\S \/ \S/);
        if (!read.has(name)) {
          expect(field.description, name).toContain('not read by truc');
          continue;
        }
        expect(field.examples, name).toHaveLength(1);
        const value = valueOf(field);
        const example = field.examples[0];
        if (value.pattern) expect(example, name).toMatch(new RegExp(value.pattern as string, 'u'));
        if (value.enum) expect(value.enum, name).toContain(example);
      }
      // the example record is a valid wire record of its format
      expect(WIRE[format][entity].safeParse(exampleOf(recordOf(format, entity))).success).toBe(true);
    },
  );

  it('dates and school years carry the readers’ own patterns and bounds', () => {
    const smas = recordOf('smas', 'students').properties as Record<string, Json>;
    expect(smas.NgaySinh!.pattern).toBe(DMY_DATE.source);
    expect(smas.NgayTrangThai!.pattern).toBe(DMY_DATE.source);
    expect(smas.NamHoc!.pattern).toBe(LOOSE_SCHOOL_YEAR.source);
    const vnedu = recordOf('vnedu', 'students').properties as Record<string, Json>;
    expect(vnedu.dob!.pattern).toBe(ISO_DATE.source);
    expect(valueOf(vnedu.school_year!)).toMatchObject(VNEDU_START_YEARS);
    expect(valueOf(vnedu.citizen_id!).pattern ?? vnedu.citizen_id!.pattern).toBe('^\\d{12}$');
  });

  it.each(cases)('%s %s: the record made of the examples maps with no finding', (format, entity) => {
    const out = MAPPINGS[format][entity].toCanonical(exampleOf(recordOf(format, entity)) as never, ctx);
    expect(out.findings).toEqual([]);
    expect(out.ok).toBe(true);
  });
});
