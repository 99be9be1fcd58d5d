/**
 * String.prototype stays in V8's fast mode once the dependencies' module has loaded (src/deps.ts
 * `keepStringMethodsFast`): ioredis leaves it a dictionary-mode object, under which every string method
 * call in optimised code is a lookup (issue 7: the record JSON writer at half speed). Read with V8's own
 * `%HasFastProperties`, allowed for this worker only (no timing).
 */
import { setFlagsFromString } from 'node:v8';
import { expect, it } from 'vitest';

setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- V8's intrinsic, parsed once the flag allows it
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

it('String.prototype has fast properties once ioredis and src/deps.ts have loaded', async () => {
  await import('ioredis');
  await import('../../src/deps.js');
  expect(hasFastProperties(String.prototype)).toBe(true);
});
