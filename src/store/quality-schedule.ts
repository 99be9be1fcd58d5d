/**
 * What a quality schedule's fire (fix35d, ../jobs/quality-schedule.ts) reads and writes: the quality run's lock, the
 * run unfinished (its outbox row neither done nor dead: queued or computing), and the run a fire requested.
 */
import type { Queryable } from './db.js';

/** The first int of the quality run's advisory key (./schedules.ts uses 1150, ./school-systems.ts 1140). */
export const QUALITY_RUN_LOCK_SPACE = 1450;

/** The outbox row of a quality run: the queue and job name of the quality-scorecards job. */
export interface QualityJob {
  queue: string;
  name: string;
}

export function createQualityScheduleRepo(q: Queryable) {
  return {
    /**
     * Takes, in `q`'s transaction, the quality run's lock (waits for it): two fires (two replicas, a fire and a "run
     * now") look for an unfinished run and request one one after the other, so the second sees the first's.
     */
    async lock(): Promise<void> {
      await q.query(`SELECT pg_advisory_xact_lock(${QUALITY_RUN_LOCK_SPACE}, 0)::text`);
    },
    /** The outbox row of the oldest quality run neither done nor dead (queued or computing), if any. */
    async unfinished(job: QualityJob): Promise<number | undefined> {
      const res = await q.query<{ id: string }>(
        `SELECT id FROM truc.outbox WHERE queue = $1 AND job_name = $2 AND done_at IS NULL AND dead_at IS NULL
          ORDER BY id LIMIT 1`,
        [job.queue, job.name],
      );
      const id = res.rows[0]?.id;
      return id === undefined ? undefined : Number(id);
    },
    /** Notes on the fire of `id` at `fireAt` the outbox row of the quality run it requested (or found unfinished). */
    async attachRun(id: string, fireAt: Date, outboxId: number): Promise<void> {
      await q.query('UPDATE truc.schedule_fires SET outbox_id = $3 WHERE schedule_id = $1 AND fire_at = $2', [
        id,
        fireAt,
        outboxId,
      ]);
    },
  };
}
