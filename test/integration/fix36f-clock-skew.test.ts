/**
 * fix36f item 3: truc's schedules, Retry-After, leases and PCGD deadlines assume the host's clock and PostgreSQL's
 * agree; `truc_db_clock_skew_seconds` shows how far apart they are at each scrape (README Operations, Clocks).
 */
import { describe, expect, it } from 'vitest';
import { clockSkewSeconds } from '../../src/store/db.js';
import { usePostgresEnv } from '../helpers/env.js';

describe('fix36f item 3: the database clock against the process clock', () => {
  const env = usePostgresEnv();

  it('a process clock 60 s behind reads as a skew of about +60 s; the same clock about 0', async () => {
    const behind = await clockSkewSeconds(env().deps.db, () => Date.now() - 60_000);
    expect(behind).toBeGreaterThan(55);
    expect(behind).toBeLessThan(65);
    expect(Math.abs(await clockSkewSeconds(env().deps.db))).toBeLessThan(5);
  });

  it('the scrape shows truc_db_clock_skew_seconds', async () => {
    const text = await env().deps.metrics.scrape();
    const m = /^truc_db_clock_skew_seconds (-?[\d.e+-]+)$/m.exec(text);
    expect(m, text.slice(0, 200)).not.toBeNull();
    expect(Math.abs(Number(m![1]))).toBeLessThan(5);
  });
});
