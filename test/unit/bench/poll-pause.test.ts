import { describe, expect, it } from 'vitest';
import { pollPause } from '../../bench/lib/truc-env.js';

describe("the ingest bench's poll of its batches (waitForBatches)", () => {
  it('polls every 100 ms while many batches are left, and more often over the last few', () => {
    // Nothing done yet since the first poll: no pace to go by.
    expect(pollPause(160, 0, 2000)).toBe(100);
    // 150 done in 7 s (~47 ms each): 10 left take ~470 ms.
    expect(pollPause(10, 150, 7000)).toBe(100);
    // One left: half its ~47 ms.
    expect(pollPause(1, 150, 7000)).toBeCloseTo(23.3, 1);
    // Never under 5 ms.
    expect(pollPause(1, 1000, 1000)).toBe(5);
  });
});
