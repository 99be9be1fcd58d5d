/**
 * walk5 W5-4: replaying a delivery's letter with the default mapping choice said "the mapping choice does not apply"
 * under "Replayed: 1, with the current mapping", like an error on a replay that worked. The warning is for a pin
 * asked of a letter whose work maps nothing, and only then (dashboard/src/replay-words.ts replayedLines).
 */
import { describe, expect, it } from 'vitest';
import { replayedLines, type Say } from '../../../dashboard/src/replay-words.js';

/** i18n.ts's `t` stood in for (it needs a browser): the key and its variables. */
const t: Say = (key, vars = {}) => [key, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)].join(' ');

const delivery = { id: 1, mappingVersion: null, pinned: false };

describe("dashboard: a replay's outcome in words", () => {
  it('the default choice left: no warning for a letter that maps nothing', () => {
    const lines = replayedLines({ replayed: [1], mapping: 'current', items: [delivery], closed: [] }, t);
    expect(lines).toEqual(['replayedCount n=1 with=mappingCurrent']);
  });

  it('a pin asked of a letter that maps nothing: the choice does not apply, said', () => {
    const lines = replayedLines({ replayed: [1], mapping: 'pinned', items: [delivery], closed: [] }, t);
    expect(lines).toEqual(['replayedCount n=1 with=mappingPinned', 'letterNoMapping id=1 version=']);
  });

  it('a letter that maps with a version still names it under the default', () => {
    const item = { id: 2, mappingVersion: 'smas/students@3', pinned: false };
    const lines = replayedLines(
      { replayed: [1, 2], mapping: 'current', items: [delivery, item], closed: [] },
      t,
    );
    expect(lines).toEqual([
      'replayedCount n=2 with=mappingCurrent',
      'letterCurrent id=2 version=smas/students@3',
    ]);
  });
});
