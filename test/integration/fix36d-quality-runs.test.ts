/**
 * fix36d item 1: a quality run you can follow. `POST /v1/quality/runs` answers the run's id and its Location,
 * `GET /v1/quality/runs/{id}` its status (queued → running → done with the schools scored, or failed with its dead
 * letter's code), `GET /v1/quality/runs` the runs paged and filtered; a city admin's scope as the POST (a vendor, an
 * auditor refused), an unknown id a bilingual 404. `truc quality run --follow` prints its status until it ends: exit
 * 0 done, 1 failed. On PostgreSQL, the operator's shell and the API on one database; the test computes the run as the
 * worker's job does (src/jobs/scorecards.ts: started, then computed in its outbox row's transaction).
 */
import { describe, expect, it } from 'vitest';
import { computeScorecards } from '../../src/jobs/scorecards.js';
import { addClient } from '../../src/ops.js';
import { createQualityRunsRepo } from '../../src/store/quality-runs.js';
import { tokenFor } from '../helpers/api.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';
import { waitFor } from '../helpers/env.js';
import { deadLetterJob, runOutbox } from '../helpers/quality-world.js';

const w = useCliBesideApi();
const call = (method: 'GET' | 'POST', url: string, token = w.token) =>
  w.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

/** The outbox row of run `id`'s job. */
const outboxOf = (id: number) => runOutbox(w.env.deps.db, id);

/** Runs run `id`'s job as the worker does: started, then computed (its outbox row closed with it). */
async function compute(id: number): Promise<void> {
  const outbox = await outboxOf(id);
  await createQualityRunsRepo(w.env.deps.db).start(outbox);
  await computeScorecards(w.env.deps, 'test', outbox);
}

/** Dead-letters run `id`'s job as the worker does when its attempts are spent (one transaction). */
async function deadLetter(id: number): Promise<void> {
  await deadLetterJob(w.env.deps.db, await outboxOf(id));
}

describe('fix36d: GET /v1/quality/runs/{id} and the list', () => {
  it('POST answers the run and its Location; the run reads queued, running, then done with its schools', async () => {
    const posted = await call('POST', '/v1/quality/runs');
    expect(posted.statusCode, posted.body).toBe(202);
    const { runId, statusUrl } = posted.json<{ runId: number; statusUrl: string }>();
    expect(statusUrl).toBe(`/v1/quality/runs/${runId}`);
    expect(posted.headers.location).toBe(statusUrl);
    const read = async () => (await call('GET', statusUrl)).json<Record<string, unknown>>();
    expect(await read()).toMatchObject({ id: runId, status: 'queued', startedAt: null, error: null });
    await createQualityRunsRepo(w.env.deps.db).start(await outboxOf(runId));
    expect(await read()).toMatchObject({
      status: 'running',
      finishedAt: null,
      schools: { scored: 0, total: null },
    });
    await computeScorecards(w.env.deps, 'test', await outboxOf(runId));
    const done = await read();
    expect(done).toMatchObject({ status: 'done', error: null, schools: { scored: 0, total: 0 } });
    expect(done.finishedAt).toEqual(expect.any(String));
    // Its scorecards are the latest: the run id the scorecards' history names is this one.
    const list = await call('GET', '/v1/quality/runs?status=done');
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json<{ items: { id: number }[] }>().items[0]!.id).toBe(runId);
  });

  it('a run whose job dead-lettered reads failed with its code; the list filters by status and date', async () => {
    const { runId } = (await call('POST', '/v1/quality/runs')).json<{ runId: number }>();
    await deadLetter(runId);
    const run = (await call('GET', `/v1/quality/runs/${runId}`)).json<Record<string, unknown>>();
    expect(run).toMatchObject({ status: 'failed', error: { code: 'ERR_DB_UNAVAILABLE', attempts: 8 } });
    const failed = await call('GET', '/v1/quality/runs?status=failed');
    expect(failed.json<{ total: number; items: { id: number }[] }>().items.map((r) => r.id)).toEqual([runId]);
    const future = await call('GET', '/v1/quality/runs?from=2099-01-01');
    expect(future.json<{ total: number }>().total).toBe(0);
    expect((await call('GET', '/v1/quality/runs?status=lost')).statusCode).toBe(400);
  });

  it('an unknown id is a bilingual 404; a vendor or an auditor is refused', async () => {
    const missing = await call('GET', '/v1/quality/runs/987654');
    expect(missing.statusCode).toBe(404);
    const body = missing.json<{ code: string; detail: string }>();
    expect(body.code).toBe('ERR_NOT_FOUND');
    expect(body.detail).toContain('không có lần tính thẻ điểm 987654');
    expect(body.detail).toContain('no quality run 987654');
    const db = w.env.deps.db;
    const vendor = await tokenFor(
      w.app,
      await addClient(db, { name: 'V', role: 'vendor', schools: ['79000001'] }),
    );
    const auditor = await tokenFor(w.app, await addClient(db, { name: 'A', role: 'auditor' }));
    for (const t of [vendor, auditor]) {
      expect((await call('GET', '/v1/quality/runs/1', t)).statusCode).toBe(403);
      expect((await call('GET', '/v1/quality/runs', t)).statusCode).toBe(403);
    }
  });
});

describe('fix36d: truc quality run --follow', () => {
  /** `truc quality run --follow` while the test plays the worker: `end` once the run is requested. */
  async function follow(end: (id: number) => Promise<void>) {
    const before = Number(
      (await w.env.deps.db.query<{ n: string }>('SELECT coalesce(max(id), 0) AS n FROM truc.quality_runs'))
        .rows[0]!.n,
    );
    const cli = truc('quality', 'run', '--follow', '--interval-ms', '50', '--timeout', '60');
    const id = await waitFor(async () => {
      const r = await w.env.deps.db.query<{ id: string }>('SELECT id FROM truc.quality_runs WHERE id > $1', [
        before,
      ]);
      return r.rows[0] ? Number(r.rows[0].id) : undefined;
    });
    await end(id);
    return { id, ...(await cli) };
  }

  it('prints the run until done and exits 0, the run on stdout', async () => {
    const out = await follow(compute);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`quality run ${out.id}: done`);
    const last = JSON.parse(out.stdout.trim().split('\n').pop()!) as { id: number; status: string };
    expect(last).toMatchObject({ id: out.id, status: 'done' });
  });

  it('exits 1 when the run fails, its code on stderr', async () => {
    const out = await follow(deadLetter);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain(`quality run ${out.id}: failed (ERR_DB_UNAVAILABLE)`);
  });
});
