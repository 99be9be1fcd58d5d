/**
 * fix33c: a key repeated in one object of a JSON body (src/api/plugins/repeated-keys.ts): refused naming where (each
 * key printable, as every field error), the same key in two objects taken.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { refuseRepeatedKeys } from '../../../src/api/plugins/repeated-keys.js';

const refusalOf = (text: string): unknown => {
  try {
    refuseRepeatedKeys(text);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).errors;
  }
};

describe('refuseRepeatedKeys', () => {
  it.each([
    ['{"a":1,"a":2}', '/body/a'],
    ['{"a":{"b":1,"c":{},"b":2}}', '/body/a/b'],
    ['{"items":[{"x":1},{"x":1,"y":2,"x":3}]}', '/body/items/1/x'],
    ['{"079123456789":1,"079123456789":2}', '/body/*'],
  ])('%s: refused naming %s', (text, pointer) => {
    expect(refusalOf(text)).toEqual([
      { pointer, rule: 'repeated', message: expect.stringContaining(' / ') as string },
    ]);
  });

  it.each(['{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', '[]', '"a"', '{}'])('%s: taken', (text) => {
    expect(refusalOf(text)).toBeUndefined();
  });

  // review9: an array's items were pushed as one call's arguments, and 150,000 or so overflowed the stack (a 500).
  it('an array of 300,000 items is read, at the top or inside an object, and a key repeated after it found', () => {
    const wide = `[${'1,'.repeat(300_000)}1]`;
    expect(refusalOf(wide)).toBeUndefined();
    expect(refusalOf(`{"a":${wide}}`)).toBeUndefined();
    expect(refusalOf(`{"a":${wide},"b":{"c":1,"c":2}}`)).toEqual([
      { pointer: '/body/b/c', rule: 'repeated', message: expect.stringContaining(' / ') as string },
    ]);
  });
});
