/**
 * review33a F7 (/work/briefs/review33a-findings.md): the sync runs' date filter (issue 7 item 6) takes a day as its
 * 00:00 in Vietnam for both ends, `to` exclusive (`GET /v1/syncs?from=&to=`, `truc sync list --from DAY --to DAY`,
 * the dashboard's filter). The admin who asks for one night's runs the natural way, `--from 2026-12-06 --to
 * 2026-12-06`, is told "không có lượt đồng bộ nào khớp / no sync run matches" (exit 0): the morning's check says no
 * pull ran that night, when they all did. `from` after `to` is refused (400, "`from` is after `to`"), `from` equal
 * to `to` is an empty range answered as a real one. Either a bare day as `to` covers that day, or an empty range is
 * refused as `from` after `to` is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { addClient } from '../../src/ops.js';
import { tokenFor } from '../helpers/api.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { usePostgresEnv } from '../helpers/env.js';
import { vietnamDay } from '../helpers/vietnam-day.js';

describe('review33a, one day of sync runs (postgres)', () => {
  const env = usePostgresEnv();
  let app: FastifyInstance;
  let token: string;
  beforeAll(async () => {
    app = await buildApp({ ...env().deps, config: env().config });
    await app.ready();
    token = await tokenFor(app, await addClient(env().deps.db, { name: 'City', role: 'city-admin' }));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it("F7: from=DAY&to=DAY lists that day's runs, or is refused; never an empty answer", async () => {
    const run = await env().deps.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'schools', requestedBy: 'test', at: new Date() }),
    );
    // The run's day in Vietnam (UTC+7), as the admin names it: from its own creation, not a later "now" (the next
    // day after 17:00 UTC).
    const today = vietnamDay((await createSyncRunsRepo(env().deps.db).get(run))!.createdAt);
    const res = await app.inject({
      method: 'GET',
      url: `/v1/syncs?from=${today}&to=${today}`,
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.statusCode === 400) {
      expect(res.json()).toMatchObject({ code: 'ERR_VALIDATION' });
      return;
    }
    expect(res.statusCode).toBe(200);
    // Red today: {"total":0,"items":[]}.
    expect(res.json<{ items: Array<{ syncRunId: number }> }>().items.map((i) => i.syncRunId)).toContain(run);
  });
});
