/**
 * dash13 item 2: a sync run's open dead letters by one rule (src/store/dead-letters.ts `lettersOfRuns`): those its
 * page counts (GET /v1/syncs), those ?syncRunId= lists and replays, and those that keep the run's rows from the nightly
 * purge (src/store/run-purge.ts). The purge had a rule of its own: a letter whose job carried the run or a batch of its
 * pages, through an outbox row; so a letter with the run in its refs only, or of its push set, was counted on the page
 * while the purge dropped the run's rows, and a batch's ingest letter kept them while the page said 0.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../../src/store/dead-letters.js';
import { createRunPurgeRepo } from '../../../src/store/run-purge.js';
import { createSyncRunReads } from '../../../src/store/sync-run-reads.js';
import { useTestContext } from './fixtures.js';

describe("a run's open dead letters: its page, ?syncRunId= and the purge agree (dash13)", () => {
  const ctx = useTestContext();
  const sql = (text: string, params: unknown[] = []) => ctx.db.query<{ id: string }>(text, params);
  const idOf = async (text: string, params: unknown[]) => (await sql(text, params)).rows[0]!.id;

  /** A failed run, finished 90 minutes ago, with a count row for the purge to drop: its id. */
  async function failedRun(): Promise<number> {
    const id = Number(
      await idOf(
        `INSERT INTO truc.sync_runs (system, entity, status, requested_by, finished_at)
         VALUES ('hcm-csdl', 'students', 'failed', 'test', now() - interval '90 minutes') RETURNING id`,
        [],
      ),
    );
    await sql(
      `INSERT INTO truc.sync_run_guard (sync_run_id, school_code, live, deleted) VALUES ($1, '79000001', 40, 4)`,
      [id],
    );
    return id;
  }

  /** A dead letter: of a job with `payload` (null: none, a letter with no outbox row), with `refs`. */
  async function letter(payload: object | null, refs: object | null = null, replayed = false): Promise<void> {
    const outbox =
      payload === null
        ? null
        : await idOf(
            `INSERT INTO truc.outbox (queue, job_name, payload) VALUES ('q', 'j', $1) RETURNING id`,
            [JSON.stringify(payload)],
          );
    await sql(
      `INSERT INTO truc.dead_letters (outbox_id, queue, job_name, error_code, error_message, attempts, refs, replayed_at)
       VALUES ($1, 'q', 'j', 'ERR_X', 'x', 3, $2, $3)`,
      [outbox, refs === null ? null : JSON.stringify(refs), replayed ? new Date() : null],
    );
  }

  it('each kind of letter counted, listed and keeping the run, or none of the three', async () => {
    const refsOnly = await failedRun();
    await letter(null, { syncRunId: refsOnly, entity: 'students' });
    const pull = await failedRun();
    await letter({ syncRunId: pull, page: 2 });
    const pushSet = await failedRun();
    const set = await idOf(
      `INSERT INTO truc.push_sets (system, entity, keys, sync_run_id) VALUES ('smas', 'students', '{}', $1) RETURNING id`,
      [pushSet],
    );
    await letter({ pushSetId: Number(set) });
    const ingest = await failedRun();
    const batchId = randomUUID();
    await sql(
      `INSERT INTO truc.batches (id, client_id, school_code, entity, format, records, received, status, sync_run_id)
       VALUES ($1, 'system:pull', '79000001', 'students', 'hcm-csdl', '[]', 0, 'failed', $2)`,
      [batchId, ingest],
    );
    await letter({ batchId });
    const none = await failedRun();
    const replayed = await failedRun();
    await letter({ syncRunId: replayed, page: 0 }, null, true);

    const purged = await createRunPurgeRepo(ctx.db).finishedRuns();
    const seen = async (id: number) => ({
      page: (await createSyncRunReads(ctx.db).list({ id, limit: 1, offset: 0 })).items[0]!.deadLetters,
      listed: (await createDeadLettersRepo(ctx.db).list({ syncRunId: id }, 100, 0)).length,
      kept: !purged.includes(id),
    });
    // Without the one rule: refs only and push set {1, 1, kept: false}, ingest {0, 0, kept: true}.
    for (const id of [refsOnly, pull, pushSet, ingest])
      expect({ id, ...(await seen(id)) }).toEqual({ id, page: 1, listed: 1, kept: true });
    for (const id of [none, replayed])
      expect({ id, ...(await seen(id)) }).toEqual({ id, page: 0, listed: 0, kept: false });
  });
});
