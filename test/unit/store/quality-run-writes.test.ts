/**
 * A quality run's row, and so its asker's name (fix37a: kept as it was when they asked), is written one way (fix37c
 * follow-up): store/quality-runs.ts `request`, which a request (jobs/quality-schedule.ts) and a run computed without one
 * (store/quality-run-scores.ts `begin`: a test's seed, an import) both call. Two inserts had each written
 * requested_by_name, so a change to how the name is kept could reach one and miss the other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

/** Every TypeScript file under `dir`. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('a quality run’s row is written one way', () => {
  it('only store/quality-runs.ts inserts into truc.quality_runs, once', () => {
    const inserts = sources(join(ROOT, 'src')).flatMap((f) => {
      const n = readFileSync(f, 'utf8').match(/INSERT\s+INTO\s+truc\.quality_runs\b/gi)?.length ?? 0;
      return n > 0 ? [[relative(ROOT, f), n]] : [];
    });
    expect(inserts).toEqual([['src/store/quality-runs.ts', 1]]);
  });
});
