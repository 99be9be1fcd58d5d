/**
 * review33b: hostile and concurrent inputs on the operators' routes, against real ids (a held run, open dead
 * letters, a configured schedule, PCGD-XMC reports of the fixture commune), on real PostgreSQL + Redis. Stop 52's
 * sweep (review32b-sweep) sent hostile values to every route with unknown ids; here the ids name real state, and the
 * same decision is sent twice at once. Findings: /work/briefs/review33b-findings.md. Each `it.fails` fails today for
 * its finding's reason; once fixed it becomes an `it`.
 */
import type { HTTPMethods } from 'fastify';
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/chain.js';
import { addClient } from '../../src/ops.js';
import { runCompute } from '../../src/reporting/pcgd/lifecycle.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { A, B, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, S1, tokenFor } from '../helpers/api.js';
import { countRows } from '../helpers/env.js';
import { heldRunPage } from '../helpers/held-run.js';
import { refusal, SCHEDULE, useOperatorRoutesWorld, type Who } from '../helpers/operator-routes-world.js';

describe('review33b: operators’ routes with real ids, hostile and concurrent (postgres+redis)', () => {
  const { w, log, send, pcgdDeps, audited, openLetter, letterOpen } = useOperatorRoutesWorld();

  it('two approvals and a rejection of one held run at once: one decision, one page queued, one audit entry', async () => {
    for (let round = 0; round < 3; round++) {
      const { run, holdId } = await heldRunPage(w.env.deps.db);
      const outbox = await countRows(w.env.deps.db, 'truc.outbox');
      const answers = await Promise.all([
        send('POST', `/v1/guard/holds/${holdId}/approve`, 'admin', { reason: 'đồng ý' }),
        send('POST', `/v1/guard/holds/${holdId}/reject`, 'admin', { reason: 'không' }),
        send('POST', `/v1/guard/holds/${holdId}/approve`, 'admin'),
      ]);
      expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(1);
      for (const r of answers.filter((a) => a.statusCode !== 200)) {
        expect(r.statusCode, r.body).toBe(409);
        expect(r.json<{ code: string }>().code).toBe('ERR_GUARD_NOT_HELD');
        expect(refusal(r)).toBe('');
      }
      const decided = await w.env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.audit_log WHERE subject = $1 AND action LIKE 'guard.%'`,
        [`guard-hold:${holdId}`],
      );
      expect(decided.rows[0]!.n).toBe(1);
      const status = (await createGuardHoldsRepo(w.env.deps.db).get(holdId))!.status;
      const runStatus = (
        await w.env.deps.db.query<{ status: string }>(`SELECT status FROM truc.sync_runs WHERE id = $1`, [
          run,
        ])
      ).rows[0]!.status;
      // Approved: the run runs on and its held page is queued once; rejected: it fails, nothing queued.
      expect([status, runStatus]).toEqual(
        status === 'approved' ? ['approved', 'running'] : ['rejected', 'failed'],
      );
      expect((await countRows(w.env.deps.db, 'truc.outbox')) - outbox).toBe(status === 'approved' ? 1 : 0);
    }
    expect((await verifyAudit(w.env.deps.db)).ok).toBe(true);
  });

  it('one dead letter replayed by four requests at once: replayed once, one outbox row, one audit entry', async () => {
    for (let round = 0; round < 3; round++) {
      const id = await openLetter(`HSDL${round}`);
      const outbox = await countRows(w.env.deps.db, 'truc.outbox');
      const answers = await Promise.all(
        [{ ids: [id] }, { ids: [id] }, { queue: 'ingest' }, { ids: [id], mapping: 'pinned' }].map((b) =>
          send('POST', '/v1/dead-letters/replay', 'admin', b),
        ),
      );
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
      expect(answers.flatMap((r) => r.json<{ replayed: number[] }>().replayed)).toEqual([id]);
      expect((await countRows(w.env.deps.db, 'truc.outbox')) - outbox).toBe(1);
      const replayed = await w.env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.audit_log
          WHERE action = 'dead_letters.replayed' AND details->'ids' ? $1`,
        [String(id)],
      );
      expect(replayed.rows[0]!.n).toBe(1);
    }
    expect((await verifyAudit(w.env.deps.db)).ok).toBe(true);
  });

  it('one approved PCGD report submitted by three requests at once: one delivery queued, one audit entry', async () => {
    const officer = await tokenFor(
      w.app,
      await addClient(w.env.deps.db, { name: 'officer B', role: 'pcgd-officer', units: [B] }),
    );
    const as = (method: HTTPMethods, url: string, body?: unknown) =>
      w.app.inject({
        method,
        url,
        headers: { ...bearer(officer), ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { payload: JSON.stringify(body) } : {}),
      });
    const computed = await as('POST', '/v1/pcgd/reports', { unitCode: B, year: YEAR });
    expect(computed.statusCode, computed.body).toBe(202);
    const id = computed.json<{ reportId: number }>().reportId;
    await runCompute(pcgdDeps(), id);
    for (const step of ['check', 'approve']) {
      const res = await as('POST', `/v1/pcgd/reports/${id}/${step}`);
      expect(res.statusCode, res.body).toBe(200);
    }
    const jobs = () => countRows(w.env.deps.db, 'truc.outbox', `job_name = 'pcgd-submit'`);
    const before = await jobs();
    const answers = await Promise.all([0, 1, 2].map(() => as('POST', `/v1/pcgd/reports/${id}/submit`)));
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    expect(answers.map((r) => r.json<{ status: string }>().status)).toEqual([
      'submitted',
      'submitted',
      'submitted',
    ]);
    expect((await jobs()) - before).toBe(1);
    expect(
      await countRows(
        w.env.deps.db,
        'truc.audit_log',
        `action = 'pcgd.submitted' AND subject = 'pcgd-report:${id}'`,
      ),
    ).toBe(1);
  });

  it('F1: two computes of one unit’s PCGD report at once: one version, the other answered or refused, no 500', async () => {
    const bad: string[] = [];
    // A first report of the year, then recomputes over a pending version: each round four requests at once.
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        [0, 1, 2, 3].map(() => send('POST', '/v1/pcgd/reports', 'officer', { unitCode: A, year: YEAR })),
      );
      for (const r of answers)
        if (r.statusCode !== 202 && refusal(r)) bad.push(`round ${round}: ${refusal(r)}`);
      const current = await countRows(
        w.env.deps.db,
        'truc.pcgd_reports',
        `unit_code = '${A}' AND year = ${YEAR} AND superseded_at IS NULL`,
      );
      if (current !== 1) bad.push(`round ${round}: ${current} current versions`);
    }
    const unhandled = log.lines.filter((l) => l.level === 'error' && l.route === '/v1/pcgd/reports');
    expect(bad).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('F2: a body sent to an operator route that takes none is refused (400 naming it), nothing done', async () => {
    const hook = await send('POST', '/v1/webhooks', 'vendor', {
      url: 'https://hooks.example.vn/truc',
      events: ['batch.finished'],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const hookId = hook.json<{ id: string }>().id;
    const before = {
      runs: await countRows(w.env.deps.db, 'truc.sync_runs'),
      fires: await countRows(w.env.deps.db, 'truc.schedule_fires'),
      paused: await countRows(w.env.deps.db, 'truc.schedules', 'paused'),
    };
    const calls: Array<[HTTPMethods, string, Who, unknown]> = [
      // The admin believes this narrows the run to one school, full: a city-wide incremental run is requested.
      ['POST', `/v1/schedules/${SCHEDULE}/run`, 'admin', { scope: S1, full: true }],
      ['POST', `/v1/schedules/${SCHEDULE}/pause`, 'admin', { until: '2026-12-06T00:00:00Z' }],
      ['POST', `/v1/schedules/${SCHEDULE}/run`, 'admin', '"x"'],
      ['POST', '/v1/quality/runs', 'admin', { schools: [S1] }],
      ['DELETE', `/v1/admin/clients/${w.otherClient}/old-secret`, 'admin', { keep: true }],
      ['POST', `/v1/webhooks/${hookId}/ping`, 'vendor', { event: 'batch.finished' }],
    ];
    const audit = await audited();
    const bad: string[] = [];
    for (const [method, url, who, body] of calls) {
      const res = await send(method, url, who, body);
      if (res.statusCode !== 400 || refusal(res))
        bad.push(`${method} ${url} → ${res.statusCode} ${refusal(res)}`);
    }
    expect(bad).toEqual([]);
    expect({
      runs: await countRows(w.env.deps.db, 'truc.sync_runs'),
      fires: await countRows(w.env.deps.db, 'truc.schedule_fires'),
      paused: await countRows(w.env.deps.db, 'truc.schedules', 'paused'),
    }).toEqual(before);
    expect(await audited()).toBe(audit);
  });

  it('F3: a key repeated in an operator’s JSON body is refused, not the last one taken', async () => {
    const id = await openLetter('HSDUP');
    const replay = await send('POST', '/v1/dead-letters/replay', 'admin', `{"ids":[999999],"ids":[${id}]}`);
    const { holdId } = await heldRunPage(w.env.deps.db);
    const decision = await send(
      'POST',
      `/v1/guard/holds/${holdId}/reject`,
      'admin',
      '{"reason":"a","reason":"b"}',
    );
    // Every JSON-body route but the vendors' batch push, as the default (fix33d), e.g. an officer's compute request.
    const compute = await send(
      'POST',
      '/v1/pcgd/reports',
      'officer',
      `{"unitCode":"79999999","unitCode":"${A}","year":${YEAR}}`,
    );
    expect([replay.statusCode, decision.statusCode, compute.statusCode]).toEqual([400, 400, 400]);
    expect([refusal(replay), refusal(decision), refusal(compute)]).toEqual(['', '', '']);
    expect(compute.json<{ errors?: Array<{ rule: string }> }>().errors?.[0]?.rule).toBe('repeated');
    expect(await letterOpen(id)).toBe(true);
    expect((await createGuardHoldsRepo(w.env.deps.db).get(holdId))!.status).toBe('held');
  });

  it('F4: a rejection while the held run is still weighing is taken (it lets nothing through), the run ends', async () => {
    const { run, holdId } = await heldRunPage(w.env.deps.db);
    const holds = createGuardHoldsRepo(w.env.deps.db);
    const held = (await holds.get(holdId))!;
    // The job that held the page is weighing the run's next pages (src/jobs/run-weigh.ts), for up to 120 s a bound.
    expect(await holds.widen(holdId, held.diff, held.reasons, 120)).toBe(true);
    const approve = await send('POST', `/v1/guard/holds/${holdId}/approve`, 'admin');
    expect(approve.statusCode, approve.body).toBe(409); // an approval would let schools not yet shown through
    const reject = await send('POST', `/v1/guard/holds/${holdId}/reject`, 'admin', {
      reason: 'nguồn hỏng',
    });
    expect(reject.statusCode, reject.body).toBe(200);
    expect((await holds.get(holdId))!.status).toBe('rejected');
    const status = await w.env.deps.db.query<{ status: string }>(
      `SELECT status FROM truc.sync_runs WHERE id = $1`,
      [run],
    );
    expect(status.rows[0]!.status).toBe('failed');
  });

  it('F5: of two reopens of one approved report at once, the one refused is told a newer version exists', async () => {
    const year = YEAR - 1;
    const computed = await send('POST', '/v1/pcgd/reports', 'officer', { unitCode: A, year });
    expect(computed.statusCode, computed.body).toBe(202);
    const id = computed.json<{ reportId: number }>().reportId;
    await runCompute(pcgdDeps(), id);
    for (const step of ['check', 'approve']) {
      const res = await send('POST', `/v1/pcgd/reports/${id}/${step}`, 'officer');
      expect(res.statusCode, res.body).toBe(200);
    }
    const province = await tokenFor(
      w.app,
      await addClient(w.env.deps.db, { name: 'province', role: 'pcgd-officer', units: ['79'] }),
    );
    const reopen = (reason: string) =>
      w.app.inject({
        method: 'POST',
        url: `/v1/pcgd/reports/${id}/reopen`,
        headers: { ...bearer(province), 'content-type': 'application/json' },
        payload: JSON.stringify({ reason }),
      });
    const answers = await Promise.all([reopen('sửa số liệu'), reopen('sửa số liệu')]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    const refused = answers.find((r) => r.statusCode === 409)!;
    // The same request a moment later: the version was reopened, a newer one exists.
    const later = await reopen('sửa số liệu');
    expect(later.statusCode, later.body).toBe(409);
    expect(refused.json<{ detail: string }>().detail).toBe(later.json<{ detail: string }>().detail);
  });

  it('F6: a figure named as a property every object has (__proto__, constructor, toString…) is 404, not 500', async () => {
    const computed = await send('POST', '/v1/pcgd/reports', 'officer', { unitCode: A, year: YEAR });
    expect(computed.statusCode, computed.body).toBe(202);
    const id = computed.json<{ reportId: number }>().reportId;
    const bad: string[] = [];
    for (const name of [
      '__proto__',
      'constructor',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '__defineGetter__',
    ]) {
      const res = await send('GET', `/v1/pcgd/reports/${id}/figures/${name}/records`, 'officer');
      if (res.statusCode !== 404 || refusal(res)) bad.push(`${name} → ${res.statusCode} ${refusal(res)}`);
    }
    expect(bad).toEqual([]);
  });

  it('F7: two admins set one school’s system at once: the second audit entry names what it replaced', async () => {
    const wrong: string[] = [];
    for (const code of ['79000501', '79000502', '79000503']) {
      // A school truc holds (its record stored, as a schools pull leaves it), no system known for it yet.
      await w.env.deps.db.query(
        `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
         VALUES ($1, '{}', 'f', 'hcm-csdl', 'v1') ON CONFLICT DO NOTHING`,
        [code],
      );
      const answers = await Promise.all(
        ['smas', 'vnedu'].map((system) =>
          send('PUT', `/v1/admin/school-systems/${code}`, 'admin', { system }),
        ),
      );
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
      const entries = await w.env.deps.db.query<{ details: { system: string; before: string | null } }>(
        `SELECT details FROM truc.audit_log WHERE subject = $1 AND action = 'school-system.set' ORDER BY seq`,
        [`school:${code}`],
      );
      const [first, second] = entries.rows.map((r) => r.details);
      // In the chain's order: the first replaced nothing, the second replaced the first's system.
      if (second?.before !== first?.system) wrong.push(`${code}: ${JSON.stringify(entries.rows)}`);
    }
    expect(wrong).toEqual([]);
  });
});
