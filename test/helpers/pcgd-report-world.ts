/**
 * PCGD reports on one engine for the tests of test/integration/pcgd-report*.test.ts: a store (PGlite or
 * PostgreSQL) seeded with the hand-computed fixture (test/fixtures/pcgd/communes.ts), a signing key of its own,
 * and commune A's report brought to the state a test needs.
 */
import { beforeAll, afterAll } from 'vitest';
import { loadConfig, type PcgdConfig } from '../../src/config.js';
import type { IndicatorFigure, LevelResult } from '../../src/reporting/pcgd/evaluate.js';
import {
  approveReport,
  computeReport,
  reopenReport,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { A, B, YEAR } from '../fixtures/pcgd/communes.js';
import { makeTempDir, openTestStore, type TempDir, type TestStore } from './env.js';
import { seedFixture } from './pcgd.js';

export function pcgdConfig(over: Partial<PcgdConfig> = {}): PcgdConfig {
  const base = loadConfig({
    env: { TRUC_PROFILE: 'test', TRUC_PCGD_DIFFICULT_COMMUNES: `${YEAR}:${B}` },
  }).pcgd;
  return { ...structuredClone(base), ...over };
}

export const pairs = (inds: readonly IndicatorFigure[]) =>
  Object.fromEntries(inds.map((x) => [x.code, [x.numerator, x.denominator]]));
export const metLevels = (levels: readonly LevelResult[]) => levels.filter((l) => l.met).map((l) => l.level);

export interface PcgdReportWorld {
  store: TestStore;
  keys: TempDir;
  deps: PcgdDeps;
}

/** The seeded store of `kind` for the enclosing suite, and commune A's report as a test needs it. */
export function usePcgdReportWorld(kind: 'pglite' | 'postgres') {
  const w = {} as PcgdReportWorld;

  beforeAll(async () => {
    w.store = await openTestStore(kind);
    w.keys = await makeTempDir('truc-pcgd-keys-');
    w.deps = {
      db: w.store.db,
      pcgd: pcgdConfig({ signing: { ...pcgdConfig().signing, dir: w.keys.path } }),
      dataDir: w.keys.path,
      now: () => new Date(),
    };
    await seedFixture(w.store.db);
  }, 120_000);
  afterAll(async () => {
    await w.store?.cleanup();
    await w.keys?.remove();
  });

  // Commune A's report goes computed → approved → reopened across the tests below. Each test gets the
  // state it needs from these helpers, so any one runs alone and in any order (`--sequence.shuffle`).
  const reports = () => createPcgdRepo(w.store.db);
  /** A freshly computed version of a unit; a locked (approved or later) one is reopened to make it. */
  async function computeFresh(unitCode: string, d: PcgdDeps = w.deps) {
    const current = await reports().current(unitCode, YEAR);
    if (current && ['approved', 'submitted', 'receipted'].includes(current.status))
      return reopenReport(d, { reportId: current.id, actor: 'test', reason: 'test' });
    return computeReport(d, { unitCode, year: YEAR, actor: 'test' });
  }
  const computeA = () => computeFresh(A);
  /** A's current version, computed here when there is none yet. */
  const currentA = async () => (await reports().current(A, YEAR)) ?? computeA();
  /** A's current version, approved (computed and approved here when it is not yet). */
  async function approvedA() {
    const current = await currentA();
    if (current.status === 'approved') return current;
    return approveReport(w.deps, { reportId: (await computeA()).id, actor: 'officer-27664' });
  }

  return { w, reports, computeFresh, computeA, currentA, approvedA };
}
