/**
 * runs item 4: the demo armed its one 400 on the city database's staff write path (`status400Burst: 1, paths:
 * [...]`) and left `paths` set once the 400 was spent, so a later `{"down":true}` on the running demo hit that path
 * alone. Once the refusal is dead-lettered the demo takes its fault away, and leaves any other fault as it is.
 */
import { describe, expect, it } from 'vitest';
import { armDeadLetter, disarmDeadLetter } from '../../../src/demo/operations.js';
import type { DemoStack } from '../../../src/demo/stack.js';
import type { Faults } from '../../../src/simulators/sim-faults.js';

/** A stack whose city database's fault control behaves as the simulator kit's (src/simulators/sim-kit.ts). */
function stackWithFaults(): { stack: DemoStack; faults: () => Faults } {
  let state: Faults = {};
  const control = {
    get current() {
      return state;
    },
    merge: (patch: Faults) => void (state = { ...state, ...patch }),
    clear: () => void (state = {}),
  };
  return { stack: { sims: { hcmCsdl: { faults: control } } } as unknown as DemoStack, faults: () => state };
}

describe('runs item 4: the demo leaves no path filter behind', () => {
  it('after the refusal, a fault set later applies to every path; other faults stay', () => {
    const { stack, faults } = stackWithFaults();
    armDeadLetter(stack);
    expect(faults()).toEqual({ status400Burst: 1, paths: ['/v1/staff:batch'] });
    stack.sims.hcmCsdl.faults.merge({ latencyMs: 5 });
    disarmDeadLetter(stack);
    expect(faults()).toEqual({ latencyMs: 5 });
    stack.sims.hcmCsdl.faults.merge({ down: true });
    expect(faults().paths).toBeUndefined();
  });
});
