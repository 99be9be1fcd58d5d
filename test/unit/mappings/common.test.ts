import { describe, expect, it, vi } from 'vitest';
import { cleanText, compact, isoDate, personalIdOf } from '../../../src/mappings/common.js';
import type { MappingFinding } from '../../../src/mappings/types.js';

describe('cleanText', () => {
  it('NFC-normalises, collapses white space and trims; blank is undefined', () => {
    expect(cleanText('  Nguye\u0302\u0303n \t Thi\u0323\u00a0 Mai \n')).toBe('Nguyễn Thị Mai');
    expect(cleanText(' \t ')).toBeUndefined();
    expect(cleanText('')).toBeUndefined();
    expect(cleanText(null)).toBeUndefined();
    expect(cleanText(undefined)).toBeUndefined();
  });

  it('takes clean text as it is without an NFC pass (issue 7: every wire field of a first sync)', () => {
    const normalize = vi.spyOn(String.prototype, 'normalize');
    try {
      expect(cleanText('Nguyễn Thị Mai')).toBe('Nguyễn Thị Mai');
      expect(cleanText('79000001-2025-1A')).toBe('79000001-2025-1A');
      expect(normalize).not.toHaveBeenCalled();
    } finally {
      normalize.mockRestore();
    }
  });
});

describe('compact', () => {
  it('keeps the defined own keys in their order (null and falsy values too), drops undefined ones', () => {
    const out = compact({ b: 1, a: undefined, c: null, d: '', e: 0, f: false, g: undefined });
    expect(Object.entries(out)).toEqual([
      ['b', 1],
      ['c', null],
      ['d', ''],
      ['e', 0],
      ['f', false],
    ]);
    expect(Object.keys(compact(Object.create({ inherited: 1 }) as Record<string, unknown>))).toEqual([]);
  });

  it('builds no key-value pairs (issue 7: it runs on every record mapped)', () => {
    const entries = vi.spyOn(Object, 'entries');
    try {
      expect(compact({ a: 1, b: undefined })).toEqual({ a: 1 });
      expect(entries).not.toHaveBeenCalled();
    } finally {
      entries.mockRestore();
    }
  });
});

describe('isoDate', () => {
  /** The date part rebuilt from its numbers when real, as isoDate read every date before issue 7's fast path. */
  const rebuilt = (value: string): string | undefined => {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(value.trim());
    if (!m) return undefined;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const dt = new Date(Date.UTC(y, mo - 1, d));
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return undefined;
    return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  };

  it('reads the date part of an ISO date when it is a real date', () => {
    expect(isoDate('2012-02-29')).toBe('2012-02-29');
    expect(isoDate('2011-02-29')).toBeUndefined();
    expect(isoDate('2010-13-01')).toBeUndefined();
    expect(isoDate('2010-00-10')).toBeUndefined();
    expect(isoDate('2010-01-00')).toBeUndefined();
    expect(isoDate('0999-01-01')).toBe('0999-01-01');
    expect(isoDate('0099-01-01')).toBeUndefined(); // Date.UTC reads years 0-99 as 1900-1999
    expect(isoDate(' 2010-01-05 ')).toBe('2010-01-05');
    expect(isoDate('2010-01-05T10:00:00Z')).toBe('2010-01-05');
    expect(isoDate('2010-1-5')).toBeUndefined();
    expect(isoDate('2010-01-05\n')).toBe('2010-01-05');
  });

  it('gives what rebuilding the date from its numbers gives, for every day of four years and odd inputs', () => {
    const values: string[] = [
      '0100-01-01',
      '0000-01-01',
      '9999-12-31',
      '1900-02-29',
      '2000-02-29',
      '2010-02-30',
    ];
    for (const year of [
      0, 4, 99, 100, 104, 400, 1582, 1600, 1700, 1900, 1999, 2000, 2023, 2024, 2100, 9996,
    ]) {
      for (let mo = 0; mo <= 13; mo++)
        for (let d = 0; d <= 32; d++)
          values.push(`${year}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    }
    for (const v of values) expect(isoDate(v), v).toBe(rebuilt(v));
  });

  it('takes a date alone as it is, without rebuilding it (issue 7: two dates a record of a first sync)', () => {
    const padStart = vi.spyOn(String.prototype, 'padStart');
    try {
      expect(isoDate('2010-01-05')).toBe('2010-01-05');
      expect(padStart).not.toHaveBeenCalled();
    } finally {
      padStart.mockRestore();
    }
  });

  it('checks the day without making a Date (issue 7: a Date a date of every record)', () => {
    const utc = vi.spyOn(Date, 'UTC');
    try {
      expect(isoDate('2024-02-29')).toBe('2024-02-29');
      expect(isoDate('2023-02-29')).toBeUndefined();
      expect(isoDate('2010-01-05T10:00:00Z')).toBe('2010-01-05');
      expect(utc).not.toHaveBeenCalled();
    } finally {
      utc.mockRestore();
    }
  });
});

describe('personalIdOf', () => {
  const read = (v: unknown) => {
    const findings: MappingFinding[] = [];
    return { id: personalIdOf(v, '/id', findings), rules: findings.map((f) => f.rule) };
  };

  it('reads an ID as every format does: spaces and dots dropped, a legacy number or a malformed one left out', () => {
    expect(read('079123456789')).toEqual({ id: '079123456789', rules: [] });
    expect(read(' 079 123.456.789 ')).toEqual({ id: '079123456789', rules: [] });
    expect(read(79123456789)).toEqual({ id: undefined, rules: ['DUNG_PERSONAL_ID_FORMAT'] });
    expect(read('123456789')).toEqual({ id: undefined, rules: ['DUNG_PERSONAL_ID_LEGACY'] });
    expect(read('07912345678x')).toEqual({ id: undefined, rules: ['DUNG_PERSONAL_ID_FORMAT'] });
    expect(read('')).toEqual({ id: undefined, rules: [] });
    expect(read(undefined)).toEqual({ id: undefined, rules: [] });
  });

  it('takes 12 digits alone as they are, without a copy (issue 7: every student of a first sync)', () => {
    const replace = vi.spyOn(String.prototype, 'replace');
    try {
      expect(read('079123456789')).toEqual({ id: '079123456789', rules: [] });
      expect(replace).not.toHaveBeenCalled();
    } finally {
      replace.mockRestore();
    }
  });
});
