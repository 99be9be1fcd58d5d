/** The one comparison of entity tags (src/api/etag.ts), behind If-Match (API clients) and If-None-Match (records). */
import { describe, expect, it } from 'vitest';
import { etagMatches } from '../../../src/api/etag.js';

describe('etagMatches', () => {
  it.each([
    ['"a"', '"a"', true],
    ['W/"a"', '"a"', true],
    ['"a"', 'W/"a"', true],
    ['"x", W/"a"', 'W/"a"', true],
    ['"x","y"', '"a"', false],
    ['*', 'W/"a"', true],
    ['a', '"a"', false], // unquoted: no tag
    ['"a,b"', '"a,b"', true], // a comma inside a tag is the tag's
    ['', '"a"', false],
  ])('%s against %s: %s', (header, etag, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });
  it('no header matches nothing', () => {
    expect(etagMatches(undefined, '"a"')).toBe(false);
  });
});
