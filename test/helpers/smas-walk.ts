/**
 * A SMAS simulator on a clock the test moves, for the tests of the school-system walker while the school's records
 * change (school-system-walk, school-system-walk-given-up, walk-delete-add): its population's change times all before
 * 2026-11-30, its clock (the stamps of the records it changes, and its `Date`) `w.clock`, from {@link WALK_T0}; a client
 * and an adapter on it (2 s timeouts).
 */
import { afterAll, beforeAll } from 'vitest';
import { createSmasAdapter, createSmasClient } from '../../src/adapters/smas/index.js';
import { startSmasSimulator, type SmasSimulator } from '../../src/simulators/smas/simulator.js';

/** The walk tests' first instant: after every change of the simulator's population. */
export const WALK_T0 = Date.parse('2026-12-01T01:00:00.000Z');

/** The students' keys (MaHocSinh) of a page's items. */
export const studentKeys = (items: readonly unknown[]): string[] =>
  (items as Array<{ MaHocSinh: string }>).map((r) => r.MaHocSinh);

export interface SmasWalk {
  /** Filled by the `beforeAll`. */
  sim: SmasSimulator;
  /** SMAS's clock, in ms: set it to move the simulator's time. */
  clock: number;
  opts: { baseURL: string; apiKey: string };
  client: ReturnType<typeof createSmasClient>;
  adapter: ReturnType<typeof createSmasAdapter>;
}

/** Call at the top of a `describe`: the simulator started by its `beforeAll` (one staff member a school), closed by its `afterAll`. */
export function useSmasWalk(o: {
  seed: string;
  schools: number;
  studentsPerSchool: number;
  apiKey: string;
}): SmasWalk {
  const w = { clock: WALK_T0 } as SmasWalk;
  beforeAll(async () => {
    w.sim = await startSmasSimulator({
      ...o,
      staffPerSchool: 1,
      asOf: '2026-11-30T00:00:00.000Z',
      now: () => w.clock,
    });
    w.opts = { baseURL: w.sim.url, apiKey: o.apiKey };
    w.client = createSmasClient(w.opts);
    w.adapter = createSmasAdapter(w.opts);
  });
  afterAll(async () => {
    await w.sim?.close();
  });
  return w;
}
