import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import {
  classUpsertSchema,
  schoolUpsertSchema,
  staffUpsertSchema,
  studentUpsertSchema,
} from '../../../src/adapters/hcm-csdl/schema.js';
import {
  DISABILITY_VALUES,
  GRADE_VALUES,
  SCHOOL_LEVEL_VALUES,
  SCHOOL_STATUS_VALUES,
  SEX_VALUES,
  STAFF_POSITION_VALUES,
  STAFF_STATUS_VALUES,
  STUDENT_STATUS_VALUES,
} from '../../../src/canonical/enums.js';
import { asIsParser } from '../../../src/canonical/as-is.js';
import { StudentSchema } from '../../../src/canonical/student.js';
import { inboundMapping } from '../../../src/jobs/inbound.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import { createSources } from '../../../src/simulators/hcm-csdl/feed.js';
import { createPopulation } from '../../../src/simulators/population/index.js';
import type { MapContext, MappingFinding } from '../../../src/mappings/types.js';

type Entity = keyof typeof HCM_CSDL_MAPPINGS;
interface ValidCase {
  name: string;
  wire: Record<string, unknown>;
  ctx?: { schoolCode?: string; schoolYear?: string };
  expected: Record<string, unknown>;
  warnings?: string[];
  /** Field whose fixture value must really be NFD. */
  nfd?: string;
}
interface InvalidCase {
  name: string;
  wire: Record<string, unknown>;
  findings: Array<{ pointer: string; rule: string }>;
}
interface Table {
  valid: ValidCase[];
  invalid: InvalidCase[];
  roundTrip: Array<Record<string, unknown>>;
}

const FIXTURES = new URL('../../fixtures/hcm-csdl/', import.meta.url);
const table = (entity: Entity): Table =>
  JSON.parse(readFileSync(new URL(`${entity}.json`, FIXTURES), 'utf8')) as Table;
const ctxOf = (extra: ValidCase['ctx'] = {}): MapContext => ({
  now: () => new Date('2025-10-15T00:00:00Z'),
  ...extra,
});
const UPSERT = {
  schools: schoolUpsertSchema,
  classes: classUpsertSchema,
  students: studentUpsertSchema,
  staff: staffUpsertSchema,
} as const;
const ENTITIES: Entity[] = ['schools', 'classes', 'students', 'staff'];

// The mappings are typed per entity; the table-driven tests go through this untyped view.
interface AnyMapping {
  version: string;
  toCanonical(
    wire: unknown,
    ctx: MapContext,
  ): { ok: boolean; value?: unknown; findings: readonly MappingFinding[] };
  fromCanonical(record: unknown, ctx: MapContext): Record<string, unknown>;
}
const mappingOf = (entity: Entity) => HCM_CSDL_MAPPINGS[entity] as unknown as AnyMapping;

function roundTrip(entity: Entity, record: Record<string, unknown>) {
  const mapping = mappingOf(entity);
  const wire = mapping.fromCanonical(record, ctxOf());
  return { wire, back: mapping.toCanonical({ ...wire, updatedAt: '2025-10-01T00:00:00.000Z' }, ctxOf()) };
}

describe.each(ENTITIES)('hcm-csdl %s mapping', (entity) => {
  const mapping = mappingOf(entity);
  const { valid, invalid, roundTrip: records } = table(entity);

  it('has a versioned id', () => {
    expect(mapping.version).toMatch(new RegExp(`^hcm-csdl/${entity}@\\d+$`));
  });

  it.each(valid.map((c) => [c.name, c] as const))('maps: %s', (_name, c) => {
    if (c.nfd) {
      const raw = c.wire[c.nfd] as string | string[];
      const text = Array.isArray(raw) ? raw.join(' ') : raw;
      expect(text, 'fixture must hold NFD text').not.toBe(text.normalize('NFC'));
    }
    const out = mapping.toCanonical(c.wire, ctxOf(c.ctx));
    expect(out.findings.map((f) => f.rule)).toEqual(c.warnings ?? []);
    expect(out.ok).toBe(true);
    expect(out.value).toStrictEqual(c.expected);
  });

  it.each(invalid.map((c) => [c.name, c] as const))('reports: %s', (_name, c) => {
    const out = mapping.toCanonical(c.wire, ctxOf());
    expect(out.ok).toBe(false);
    expect(out.value).toBeUndefined();
    const got = out.findings.map((f) => ({ pointer: f.pointer, rule: f.rule }));
    expect(got).toEqual(expect.arrayContaining(c.findings));
    for (const f of out.findings) {
      expect(f.vi.length).toBeGreaterThan(0);
      expect(f.en.length).toBeGreaterThan(0);
    }
  });

  it.each(records.map((r, i) => [i, r] as const))(
    'round trips canonical → wire → canonical (#%s)',
    (_i, record) => {
      const { wire, back } = roundTrip(entity, record);
      expect(UPSERT[entity].safeParse(wire).success, 'the system must accept what we send').toBe(true);
      expect(back.findings).toEqual([]);
      expect(back.value).toStrictEqual(record);
    },
  );
});

describe('hcm-csdl code lists round trip for every canonical code', () => {
  const base = table('students').roundTrip[0] as Record<string, unknown>;
  const staffBase = table('staff').roundTrip[0] as Record<string, unknown>;
  const schoolBase = table('schools').roundTrip[0] as Record<string, unknown>;
  const cases: Array<[Entity, string, readonly string[], Record<string, unknown>]> = [
    ['students', 'status', STUDENT_STATUS_VALUES, base],
    ['students', 'sex', SEX_VALUES, base],
    ['students', 'grade', GRADE_VALUES, base],
    ['students', 'disability', DISABILITY_VALUES, base],
    ['students', 'ethnicityCode', Array.from({ length: 56 }, (_, i) => String(i + 1).padStart(2, '0')), base],
    ['staff', 'position', STAFF_POSITION_VALUES, staffBase],
    ['staff', 'status', STAFF_STATUS_VALUES, staffBase],
    ['schools', 'level', SCHOOL_LEVEL_VALUES, schoolBase],
    ['schools', 'status', SCHOOL_STATUS_VALUES, schoolBase],
  ];
  it.each(cases.map(([e, field, values, b]) => [`${e}.${field}`, e, field, values, b] as const))(
    '%s',
    (_label, entity, field, values, b) => {
      for (const value of values) {
        const record = { ...b, [field]: value };
        const { wire, back } = roundTrip(entity, record);
        expect(UPSERT[entity].safeParse(wire).success).toBe(true);
        expect(back.value).toStrictEqual(record);
      }
    },
  );
});

describe('hcm-csdl mappings are pure', () => {
  it('do not mutate their input and give equal output for equal input', () => {
    const c = table('students').valid[1] as ValidCase;
    const before = JSON.stringify(c.wire);
    const a = mappingOf('students').toCanonical(c.wire, ctxOf());
    const b = mappingOf('students').toCanonical(c.wire, ctxOf());
    expect(JSON.stringify(c.wire)).toBe(before);
    expect(a).toStrictEqual(b);
  });
});

describe('hcm-csdl mappings skip zod for a clean record (issue 7, first sync)', () => {
  it('take the schema as-is test (src/canonical/as-is.ts), with the record zod would return', () => {
    // A record with nothing to normalise: every value already as the canonical schema keeps it.
    const c = table('students').valid.find((v) => v.name === 'full record')!;
    expect(asIsParser(StudentSchema)(c.expected)).toStrictEqual(c.expected);
    const parse = vi.spyOn(StudentSchema, 'safeParse');
    try {
      const out = mappingOf('students').toCanonical(c.wire, ctxOf(c.ctx));
      expect(out.ok).toBe(true);
      expect(out.value).toStrictEqual(c.expected);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(StudentSchema.parse(c.expected)).toStrictEqual(c.expected);
  });
});

describe('hcm-csdl mappings are validated once (issue 7, first sync)', () => {
  it.each(ENTITIES)(
    '%s: a pulled record keeps the output of the mapping’s own schema parse, not parsed again',
    (entity) => {
      const c = table(entity).valid[0]!;
      const mapping = HCM_CSDL_MAPPINGS[entity];
      const toCanonical = vi.spyOn(mapping, 'toCanonical');
      try {
        const out = inboundMapping('hcm-csdl', entity).map(c.wire, ctxOf(c.ctx));
        expect(out.ok).toBe(true);
        const own = toCanonical.mock.results[0]!.value as { value: unknown };
        // The very object the mapping's parse returned (a second parse would return a copy).
        expect(out.ok && out.value.data).toBe(own.value);
        expect(out.ok && out.value.data).toStrictEqual(c.expected);
      } finally {
        toCanonical.mockRestore();
      }
    },
  );
});

describe('hcm-csdl mappings: the schema each names in validatedBy is the one their output comes out of', () => {
  // The simulator's own records (its population, discrepancies included: NFD names, doubled spaces, typos),
  // rendered in the wire format by its feed. The inbound side trusts `validatedBy` and does not parse the
  // output again (src/jobs/inbound.ts): parsing it again must change nothing.
  const pop = createPopulation({
    seed: 'validated-by',
    schools: 8,
    studentsPerSchool: 250,
    staffPerSchool: 10,
    discrepancyRate: 0.25,
  });
  const sources = createSources(pop, { seed: 'validated-by', tombstoneRate: 0 });

  it.each(ENTITIES)('%s: every mapped simulator record parses again to a deep-equal value', (entity) => {
    const mapping = HCM_CSDL_MAPPINGS[entity];
    const schema = mapping.validatedBy as z.ZodType | undefined;
    expect(schema, 'the mapping names its schema').toBeDefined();
    const source = sources[entity];
    const [start, end] = source.range(undefined);
    const outputs: unknown[] = [];
    let refused = 0;
    for (let p = start; p < end; p++) {
      for (const wire of source.at(p)) {
        const r = (mapping as unknown as AnyMapping).toCanonical(wire, ctxOf());
        if (r.ok) outputs.push(r.value);
        else refused++;
      }
    }
    // Every simulator record maps (its discrepancies are the quality engine's to find, not refusals).
    expect(refused).toBe(0);
    expect(outputs.length).toBeGreaterThanOrEqual(pop.counts.schools);
    expect(outputs.map((v) => schema!.parse(v))).toStrictEqual(outputs);
  });
});
