/**
 * What the quality tests store and play: schools of province 79 as a schools pull stores them (the scorecards
 * count a school's records under its commune), and a quality run's job as the worker sees it, its outbox row and its
 * dead letter (test/integration/quality, fix36d-quality-runs, fix37c-quality-progress, fix37a-actor-names,
 * website-probe).
 */
import type { Db, Queryable } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';

/** A primary school of province 79 in `communeCode`, active, as the city's database sends it. */
export const schoolRecord = (code: string, communeCode = '26734') => ({
  schoolCode: code,
  name: `Trường ${code}`,
  level: 'primary',
  provinceCode: '79',
  communeCode,
  status: 'active',
});

/** Stores `schools` (each its own scope) as hcm-csdl's schools pull does. */
export async function storeSchools(
  db: Queryable,
  schools: readonly (ReturnType<typeof schoolRecord> & Record<string, unknown>)[],
): Promise<void> {
  await createRecordsRepo(db).upsert(
    'schools',
    schools.map((s) => ({ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) })),
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
}

/** The outbox row of quality run `runId`'s job. */
export async function runOutbox(db: Queryable, runId: number): Promise<number> {
  const res = await db.query<{ o: string }>('SELECT outbox_id AS o FROM truc.quality_runs WHERE id = $1', [
    runId,
  ]);
  return Number(res.rows[0]!.o);
}

/** Dead-letters the job of outbox row `outbox` as the worker does when its attempts are spent (one transaction). */
export async function deadLetterJob(db: Db, outbox: number): Promise<void> {
  await db.tx(async (q) => {
    await q.query('UPDATE truc.outbox SET dead_at = now() WHERE id = $1', [outbox]);
    await q.query(
      `INSERT INTO truc.dead_letters (outbox_id, queue, job_name, error_code, error_message, attempts)
       SELECT id, queue, job_name, 'ERR_DB_UNAVAILABLE', 'test', 8 FROM truc.outbox WHERE id = $1`,
      [outbox],
    );
  });
}
