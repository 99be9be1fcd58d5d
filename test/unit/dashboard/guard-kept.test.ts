/**
 * walk5 W5-12 (guard6): the dashboard's hold page says an approved snapshot's "applied N of M held deletions" and, a
 * row each, the held records a newer word kept: why, by which batch or sync run (or system). Its words
 * (dashboard/src/guard-kept-words.ts), in Vietnamese and English, none the same in both.
 */
import { describe, expect, it } from 'vitest';
import { appliedCount, keptBy, keptWhy, type Say } from '../../../dashboard/src/guard-kept-words.js';
import { GUARD_WORDS } from '../../../dashboard/src/i18n-guard.js';

/** The page's `t` over the held-changes words, in one language. */
const sayIn =
  (lang: 0 | 1): Say =>
  (key, vars = {}) =>
    GUARD_WORDS[key][lang].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));

describe("dashboard: an applied hold's kept records", () => {
  it('says applied N of M, and each kept record why and by whom', () => {
    const [vi, en] = [sayIn(0), sayIn(1)];
    expect(appliedCount({ applied: 36, appliedOf: 37 }, vi)).toBe('36 trên 37 bản ghi bị giữ');
    expect(appliedCount({ applied: 36, appliedOf: 37 }, en)).toBe('36 of 37 held deletions');
    // applied before guard6: the count alone
    expect(appliedCount({ applied: 36, appliedOf: null }, en)).toBe('36');
    expect(keptWhy({ why: 'written' }, vi)).toBe('Được ghi lại sau snapshot');
    expect(keptWhy({ why: 'moved' }, en)).toBe('Moved to another school after the snapshot');
    expect(keptBy({ batchId: 'b-1', syncRunId: 4 }, vi)).toBe('lượt đồng bộ #4 (lô b-1)');
    expect(keptBy({ batchId: 'b-2' }, en)).toBe('batch b-2');
    expect(keptBy({ system: 'smas' }, en)).toBe('smas');
    expect(keptBy({}, en)).toBe('—');
  });

  it('has words in both languages for each kind of newer word', () => {
    for (const key of [
      'keptWritten',
      'keptCarried',
      'keptDeleted',
      'keptMoved',
      'appliedOf',
      'keptHint',
    ] as const) {
      const [vi, en] = GUARD_WORDS[key];
      expect(vi).not.toBe(en);
    }
  });
});
