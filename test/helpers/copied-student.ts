/**
 * The city database serving a copy of a student, pulled by truc: the hcm-csdl simulator behind a proxy
 * that, right after the first student of a students page with a personal ID, adds a copy of it under
 * another student code (same personal ID); truc (PostgreSQL, the worker role) pulls from the proxy.
 */
import { startWorkerRole } from '../../src/roles.js';
import { startCitySimulator } from './city-sim.js';
import { backends, makeDeps, type TestEnv } from './env.js';
import { fullStudentsPull } from './full-pull.js';
import { startPageProxy } from './page-proxy.js';
import { useForSuite } from './suite.js';

export interface CopiedStudentSource {
  readonly env: TestEnv;
  /** The student copied (known once a page has been served). */
  original(): string | undefined;
  /** From now on the source deletes the original (a tombstone in its place) and keeps the copy. */
  deleteOriginal(): void;
  /** A full students pull, done and reconciled: its sync run id. */
  fullPull(): Promise<number>;
  /** Whether a student of this code is live in truc. */
  live(code: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The copy's student code: the original's with its first digit made 8. */
export const copyOf = (code: string): string => `8${code.slice(1)}`;

/** Starts the simulator (30 students a school, no tombstones of its own), the proxy, truc's worker. */
export async function startCopiedStudentSource(seed: number): Promise<CopiedStudentSource> {
  let original: string | undefined;
  let deleted = false;
  const sim = await startCitySimulator({ seed, studentsPerSchool: 30, tombstoneRate: 0 });
  const proxy = await startPageProxy(sim.url, '/v1/students', (page) => {
    const at = page.data.findIndex((s) => typeof s['soDinhDanhCaNhan'] === 'string');
    if (at < 0) return page;
    const first = page.data[at]!;
    original = String(first['maDinhDanh']);
    const data = [...page.data];
    const copy = { ...first, maDinhDanh: copyOf(original) };
    if (deleted)
      data.splice(at, 1, { maDinhDanh: original, updatedAt: first['updatedAt'], deleted: true }, copy);
    else data.splice(at + 1, 0, copy);
    return { ...page, data };
  });
  const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;
  const env = await makeDeps(backend, { env: { HCM_CSDL_BASE_URL: proxy.url } });
  const worker = startWorkerRole(env.deps);
  return {
    env,
    original: () => original,
    deleteOriginal: () => void (deleted = true),
    fullPull: () => fullStudentsPull(env.deps.db),
    live: async (code) =>
      (
        await env.deps.db.query(
          'SELECT 1 FROM truc.students WHERE student_code = $1 AND deleted_at IS NULL',
          [code],
        )
      ).rows.length > 0,
    async close() {
      await worker.stop();
      await env.cleanup();
      await proxy.close();
      await sim.close();
    },
  };
}

/** The source of the enclosing suite: started before its tests, closed after them (see `useForSuite`). */
export function useCopiedStudentSource(seed: number): CopiedStudentSource {
  return useForSuite(
    () => startCopiedStudentSource(seed),
    (s) => s.close(),
    120_000,
  );
}
