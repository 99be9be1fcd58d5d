/**
 * Fields read from a URL's text: integers in decimal digits only (`z.coerce` took `0x10` as 16, `1e1`
 * as 10 and the empty text as 0), a time range whose `from` is not after its `to`, and the query of a
 * list that takes none. Each is checked as the runtime parses it and as `zod/compile` (which the
 * server loads first) compiles it.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pageQuery } from '../../../src/api/paging.js';
import { decimal, fromNotAfterTo, NoQuery, timeRangeQuery } from '../../../src/api/query.js';

const Page = z.object(pageQuery(500, 50, 1_000_000)).strict();
const Range = z.object(timeRangeQuery()).strict().superRefine(fromNotAfterTo);
const Id = decimal(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));

/** The schema as the runtime parses it and compiled. */
const both = <T extends z.ZodType>(s: T): Array<[string, T]> => [
  ['runtime', s],
  ['compiled', z.compile<T>(s)],
];

describe.each(both(Page))('pageQuery (%s)', (_how, schema) => {
  it.each(['0x10', '0X10', '1e1', ' 16', '16 ', '+16', '-1', '16.0', '', '0b1', '0o7', 'Infinity', 'NaN'])(
    'refuses limit %j',
    (text) => {
      expect(schema.safeParse({ limit: text }).success).toBe(false);
      expect(schema.safeParse({ offset: text }).success).toBe(false);
    },
  );

  it('reads decimal digits, leading zeros too, and keeps the bounds and defaults', () => {
    expect(schema.parse({ limit: '16', offset: '0' })).toEqual({ limit: 16, offset: 0 });
    expect(schema.parse({ limit: '016' })).toEqual({ limit: 16, offset: 0 });
    expect(schema.parse({})).toEqual({ limit: 50, offset: 0 });
    expect(schema.safeParse({ limit: '0' }).success).toBe(false);
    expect(schema.safeParse({ limit: '501' }).success).toBe(false);
    expect(schema.safeParse({ offset: '1000001' }).success).toBe(false);
    expect(schema.safeParse({ limit: ['1', '2'] }).success).toBe(false);
  });
});

describe.each(both(Id))('decimal ids (%s)', (_how, schema) => {
  it('reads digits; refuses hex, exponents, signs and numbers past 2^53 − 1', () => {
    expect(schema.parse('42')).toBe(42);
    expect(schema.parse(42)).toBe(42); // a JSON body's number, as it is
    for (const bad of ['0x2a', '4.2e1', '-42', '0', '9007199254740992', '42abc', ''])
      expect(schema.safeParse(bad).success, bad).toBe(false);
  });
});

describe.each(both(Range))('time range (%s)', (_how, schema) => {
  it('walk2: a time it cannot read is told the two forms it takes, in Vietnamese and English', () => {
    for (const bad of ['yesterday', '2026-12-06 10:00', '2026-12-06T10:00:00']) {
      const r = schema.safeParse({ from: bad });
      expect(
        r.error?.issues.map((i) => i.message),
        bad,
      ).toEqual([
        'không phải giờ ISO 8601 có múi giờ (2026-12-04T08:00:00+07:00) hay một ngày YYYY-MM-DD / ' +
          'not an ISO 8601 time with its offset (2026-12-04T08:00:00+07:00) nor a day YYYY-MM-DD',
      ]);
    }
    expect(schema.parse({ from: '2026-12-04' }).from).toBe('2026-12-04T00:00:00+07:00');
  });

  it('refuses `from` after `to`, at `from`', () => {
    const r = schema.safeParse({ from: '2026-12-03T00:00:01Z', to: '2026-12-03T00:00:00Z' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toEqual([['from']]);
  });

  it('compares instants, not text (offsets differ)', () => {
    // 06:59:59+07:00 is before 00:00Z, allowed; 07:00+07:00 is 00:00Z: equal instants, an empty range, refused
    // (review33a F7); as text the first sorts after the end.
    expect(schema.safeParse({ from: '2026-12-03T06:59:59+07:00', to: '2026-12-03T00:00:00Z' }).success).toBe(
      true,
    );
    expect(schema.safeParse({ from: '2026-12-03T07:00:00+07:00', to: '2026-12-03T00:00:00Z' }).success).toBe(
      false,
    );
  });

  it('takes either end alone, both in order, or neither', () => {
    expect(schema.safeParse({ from: '2026-12-03T00:00:00Z' }).success).toBe(true);
    expect(schema.safeParse({ to: '2026-12-03T00:00:00Z' }).success).toBe(true);
    expect(schema.safeParse({ from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z' }).success).toBe(true);
    expect(schema.safeParse({}).success).toBe(true);
  });
});

describe.each(both(NoQuery))('NoQuery (%s)', (_how, schema) => {
  it('takes an empty query and refuses any key', () => {
    expect(schema.safeParse({}).success).toBe(true);
    expect(schema.safeParse({ limit: '10' }).success).toBe(false);
  });
});

describe('OpenAPI', () => {
  it('documents a decimal field as the integer it is', () => {
    const json = z.toJSONSchema(Page, { io: 'input' }) as { properties: Record<string, unknown> };
    expect(json.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
  });
});
