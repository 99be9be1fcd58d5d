/**
 * walk12: docs/errors.md's "how to solve" was English only, in a table whose messages are Vietnamese and English.
 * Every hint is now in both languages (scripts/gen-error-docs.ts HOW, a column each), and the Vietnamese one is
 * Vietnamese, not the English copied.
 */
import { describe, expect, it } from 'vitest';
import { errorDocs } from '../../scripts/gen-error-docs.js';
import { ERRORS } from '../../src/errors.js';

/** The table's rows of docs/errors.md as generated, by code: its cells after the code. */
function rows(): Map<string, string[]> {
  const [[, text]] = errorDocs() as [[string, string]];
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\| `(ERR_[A-Z_]+)` \|(.*)\|$/.exec(line);
    if (m)
      out.set(
        m[1]!,
        m[2]!.split(' | ').map((c) => c.trim()),
      );
  }
  return out;
}

describe('docs/errors.md: how to solve, in Vietnamese and English', () => {
  it('has a "cách xử lý" column beside "how to solve"', () => {
    const [[, text]] = errorDocs() as [[string, string]];
    expect(text).toContain('| code | HTTP | retryable | Tiếng Việt | English | cách xử lý | how to solve |');
    expect(rows().size).toBe(Object.keys(ERRORS).length);
  });

  it('every code with a hint has it in both languages, the Vietnamese one in Vietnamese', () => {
    const hinted = [...rows()].filter(([, cells]) => cells[4] !== '');
    expect(hinted.length).toBeGreaterThan(30);
    for (const [code, cells] of hinted) {
      const [vi, en] = [cells[4]!, cells[5]!];
      expect(en, code).not.toBe('');
      expect(vi, code).not.toBe(en);
      // Vietnamese text carries its diacritics (đ, ư, ơ, â, tone marks: Latin-1 to Latin Extended Additional).
      expect(vi, code).toMatch(/[\u00C0-\u024F\u1E00-\u1EFF]/);
    }
  });
});
