import { describe, expect, it, vi } from 'vitest';
import { cleanText } from '../../../src/mappings/common.js';

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
