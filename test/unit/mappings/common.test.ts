import { describe, expect, it, vi } from 'vitest';
import { cleanText, compact } from '../../../src/mappings/common.js';

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
