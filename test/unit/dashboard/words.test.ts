/**
 * ui29 item 2: the audit page showed each entry's action as its raw code (`guard.approved`). Every action truc
 * writes (src/store/audit-log.ts AUDIT_ACTIONS, to which the compiler holds every writer) has words in both languages
 * in dashboard/src/audit-words.ts (shown by words.ts actionText), so a new action without words turns this red; an older code is shown as written.
 */
import { describe, expect, it } from 'vitest';
import { actionWords } from '../../../dashboard/src/audit-words.js';
import { AUDIT_ACTIONS } from '../../../src/store/audit-log.js';

describe('dashboard words of the audit actions', () => {
  it('every action the server writes has words in Vietnamese and in English, none the same in both', () => {
    const missing = AUDIT_ACTIONS.filter((a) => !actionWords(a, 'vi') || !actionWords(a, 'en'));
    expect(missing).toEqual([]);
    const untranslated = AUDIT_ACTIONS.filter((a) => actionWords(a, 'vi') === actionWords(a, 'en'));
    expect(untranslated).toEqual([]);
    // no two actions read alike
    expect(new Set(AUDIT_ACTIONS.map((a) => actionWords(a, 'vi'))).size).toBe(AUDIT_ACTIONS.length);
    expect(new Set(AUDIT_ACTIONS.map((a) => actionWords(a, 'en'))).size).toBe(AUDIT_ACTIONS.length);
  });

  it('says an action in the language asked; a code it does not know is not given words', () => {
    expect(actionWords('guard.approved', 'vi')).toBe('Duyệt thay đổi bị giữ');
    expect(actionWords('guard.approved', 'en')).toBe('Held change approved');
    expect(actionWords('something.else', 'vi')).toBeUndefined();
    expect(actionWords('toString', 'vi')).toBeUndefined();
  });
});
