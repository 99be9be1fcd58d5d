/**
 * The wire schemas' common case without zod (src/adapters/wire-fast.ts, issue 7): the same value zod gives,
 * built the same way (the source fingerprint hashes its JSON text), or zod's to judge.
 */
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import {
  ENTITY_SCHEMAS,
  HCM_CSDL_ENTITIES,
  type HcmCsdlEntity,
} from '../../../src/adapters/hcm-csdl/schema.js';
import { parseWire } from '../../../src/adapters/wire.js';
import { NOT_FAST, parsedFast } from '../../../src/adapters/wire-fast.js';
import { createSources } from '../../../src/simulators/hcm-csdl/feed.js';
import { createPopulation } from '../../../src/simulators/population/index.js';

const pop = createPopulation({ seed: 'wire-fast', schools: 6, studentsPerSchool: 60, staffPerSchool: 8 });
const sources = createSources(pop, { seed: 'wire-fast', tombstoneRate: 0.2 });

/** Every record of an entity the simulator serves (tombstones among them). */
function recordsOf(entity: HcmCsdlEntity): Record<string, unknown>[] {
  const source = sources[entity];
  const [start, end] = source.range(undefined);
  const out: Record<string, unknown>[] = [];
  for (let p = start; p < end; p++) out.push(...(source.at(p) as unknown as Record<string, unknown>[]));
  return out;
}

/** The same fields in reverse order, and (not a tombstone: strict) one the schema does not know. */
const reordered = (r: Record<string, unknown>) => ({
  ...(r['deleted'] === true ? {} : { extra: 'x' }),
  ...Object.fromEntries(Object.entries(r).reverse()),
});

/** What zod gives, or undefined when it refuses the value. */
function zodOf(schema: z.ZodType, value: unknown): unknown {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

/** `parsedFast` gives what zod gives (the same JSON text: keys in the same order), or leaves it to zod. */
function expectAsZod(schema: z.ZodType, value: unknown): 'fast' | 'zod' {
  const fast = parsedFast(schema, value);
  if (fast === NOT_FAST) return 'zod';
  const zod = zodOf(schema, value);
  expect(zod).toBeDefined();
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod));
  expect(fast).toEqual(zod);
  return 'fast';
}

describe('wire schemas without zod', () => {
  it("give zod's value for every page the simulator serves, records and tombstones, in any key order", () => {
    for (const entity of HCM_CSDL_ENTITIES) {
      const records = recordsOf(entity);
      expect(records.length).toBeGreaterThan(5);
      expect(records.some((r) => r['deleted'] === true)).toBe(entity !== 'schools');
      const schema = ENTITY_SCHEMAS[entity].page as unknown as z.ZodType;
      for (const data of [records, records.map(reordered)]) {
        const page = { data, nextCursor: 'c2', watermark: 'w' };
        expect(expectAsZod(schema, page)).toBe('fast');
        expect(expectAsZod(schema, { data, watermark: 'w' })).toBe('fast');
      }
    }
  });

  it('leave to zod every value it refuses, and give its value for every one it takes', () => {
    const weird: unknown[] = [undefined, null, 0, 1, true, false, '', 'x', [], {}, ['x']];
    let fast = 0;
    for (const entity of HCM_CSDL_ENTITIES) {
      const schema = ENTITY_SCHEMAS[entity].page as unknown as z.ZodType;
      const records = recordsOf(entity).slice(0, 12);
      for (const r of records) {
        const keys = [...new Set([...Object.keys(r), 'deleted', 'extra'])];
        for (const key of keys) {
          const { [key]: _, ...without } = r;
          for (const variant of [without, ...weird.map((v) => ({ ...r, [key]: v }))]) {
            const page = { data: [variant], watermark: 'w' };
            if (expectAsZod(schema, page) === 'fast') fast += 1;
            else
              expect(zodOf(schema, page) === undefined || parsedFast(schema, page) === NOT_FAST).toBe(true);
          }
        }
      }
      for (const bad of [
        null,
        [],
        'x',
        { data: 'x', watermark: 'w' },
        { data: [] },
        { data: [], watermark: 1 },
      ])
        expect(parsedFast(schema, bad)).toBe(NOT_FAST);
    }
    expect(fast).toBeGreaterThan(100);
  });

  it('parseWire: a valid page skips zod; an invalid one is refused by zod, as before', () => {
    const schema = ENTITY_SCHEMAS.students.page;
    const spy = vi.spyOn(schema, 'safeParse');
    try {
      const data = recordsOf('students');
      expect(parseWire(schema, { data, watermark: 'w' }, 'hcm-csdl').data).toHaveLength(data.length);
      expect(spy).not.toHaveBeenCalled();
      const bad = { data: [{ ...data[0], hoTen: 7 }], watermark: 'w' };
      expect(() => parseWire(schema, bad, 'hcm-csdl')).toThrow(
        /response failed its wire schema \(invalid_union at \/data\/0/,
      );
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
