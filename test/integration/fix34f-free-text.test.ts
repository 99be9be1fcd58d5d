/**
 * fix34f (review33b's finding): free text truc keeps for good (a guard decision's reason and a PCGD reopen's reason,
 * in the hash-chained audit log that cannot be edited; a client's name, in its row and a change's audit entry) that
 * holds a personal ID or a phone number is refused, 400 ERR_FREE_TEXT_PERSONAL_DATA in both languages without the
 * number, before anything is changed: by every route that takes it and by the CLI commands (exit 2). Ordinary
 * numbers (a school code, a year, a count) still pass. On PostgreSQL, the API and the CLI in process.
 */
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/chain.js';
import { addClient } from '../../src/ops.js';
import { requestReopen, runCompute } from '../../src/reporting/pcgd/lifecycle.js';
import { A, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';
import { countRows } from '../helpers/env.js';
import { heldRunPage } from '../helpers/held-run.js';
import { seedFixture } from '../helpers/pcgd.js';

const PHONE = '0912 345 678';
const PERSONAL_ID = '079310001234';

describe('fix34f: no personal number in free text kept for good (postgres)', () => {
  const h = useCliBesideApi();
  const db = () => h.env.deps.db;

  beforeAll(async () => {
    await seedFixture(h.env.deps.db);
  }, 60_000);

  const audited = async () =>
    (await countRows(db(), 'truc.audit_log')) + (await countRows(db(), 'truc.audit_pending'));

  const send = (method: 'POST' | 'PATCH', url: string, payload: unknown, token = h.token) =>
    h.app.inject({
      method,
      url,
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });

  /** The refusal: 400 ERR_FREE_TEXT_PERSONAL_DATA naming the field, bilingual, the number nowhere in it. */
  function expectRefused(res: LightMyRequestResponse, pointer: string, number: string): void {
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json<{
      code: string;
      messages: { vi: string; en: string };
      errors: { pointer: string; rule: string; message: string }[];
    }>();
    expect(body.code).toBe('ERR_FREE_TEXT_PERSONAL_DATA');
    expect(body.messages.vi).not.toBe(body.messages.en);
    expect(body.errors).toEqual([
      { pointer, rule: 'personal_data', message: expect.stringContaining(' / ') as string },
    ]);
    // `correlationId` is random hex: it may hold a group of the number ('678' in 'a2486780-…', seen by review35b).
    const { correlationId: _random, ...rest } = res.json<Record<string, unknown>>();
    for (const part of number.split(' ')) expect(JSON.stringify(rest)).not.toContain(part);
  }

  const holdStatus = async (holdId: number) =>
    (
      await db().query<{ status: string; reason: string | null }>(
        'SELECT status, decision_reason AS reason FROM truc.guard_holds WHERE id = $1',
        [holdId],
      )
    ).rows[0];

  it('a guard hold rejected or approved with a phone or a personal ID in its reason: 400, nothing decided', async () => {
    const { holdId } = await heldRunPage(db());
    const before = await audited();
    for (const [decision, reason] of [
      ['reject', `phụ huynh gọi ${PHONE}`],
      ['approve', `học sinh ${PERSONAL_ID} trùng`],
    ] as const) {
      const res = await send('POST', `/v1/guard/holds/${holdId}/${decision}`, { reason });
      expectRefused(res, '/body/reason', decision === 'reject' ? PHONE : PERSONAL_ID);
    }
    expect(await holdStatus(holdId)).toEqual({ status: 'held', reason: null });
    expect(await audited()).toBe(before);
    // Ordinary numbers pass: a school code, a year, a count.
    const ok = await send('POST', `/v1/guard/holds/${holdId}/reject`, {
      reason: 'trường 79000001 xoá 40 học sinh năm 2025-2026',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await holdStatus(holdId)).toEqual({
      status: 'rejected',
      reason: 'trường 79000001 xoá 40 học sinh năm 2025-2026',
    });
    expect((await verifyAudit(db())).ok).toBe(true);
  });

  it('truc holds reject --reason with a personal ID: exit 2, the code in both languages, nothing decided', async () => {
    const { holdId } = await heldRunPage(db());
    const before = await audited();
    const out = await truc('holds', 'reject', String(holdId), '--reason', `CCCD ${PERSONAL_ID} sai`);
    expect(out.code).toBe(2);
    // Each language with its own words, the field named in both (walk7 W7-7).
    expect(out.stderr).toMatch(
      /^truc: ERR_FREE_TEXT_PERSONAL_DATA: [^/]+: reason: [^/]+ \/ [^/]+: reason: [^/]+\n$/,
    );
    expect(out.stderr + out.stdout).not.toContain(PERSONAL_ID);
    expect(await holdStatus(holdId)).toEqual({ status: 'held', reason: null });
    expect(await audited()).toBe(before);
  });

  it('a PCGD report reopened with a phone in its reason: 400, no new version, nothing audited', async () => {
    const officer = await tokenFor(
      h.app,
      await addClient(db(), { name: 'officer', role: 'pcgd-officer', units: [A] }),
    );
    const computed = await send('POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR }, officer);
    expect(computed.statusCode, computed.body).toBe(202);
    const id = computed.json<{ reportId: number }>().reportId;
    await runCompute(
      { db: db(), pcgd: h.env.config.pcgd, dataDir: h.env.config.database.dataDir, now: () => new Date() },
      id,
    );
    for (const step of ['check', 'approve']) {
      const res = await send('POST', `/v1/pcgd/reports/${id}/${step}`, {}, officer);
      expect(res.statusCode, res.body).toBe(200);
    }
    const province = await tokenFor(
      h.app,
      await addClient(db(), { name: 'province', role: 'pcgd-officer', units: ['79'] }),
    );
    const reports = await countRows(db(), 'truc.pcgd_reports');
    const before = await audited();
    const refused = await send(
      'POST',
      `/v1/pcgd/reports/${id}/reopen`,
      { reason: `sửa theo ý phụ huynh +84 ${PHONE.slice(1)}` },
      province,
    );
    expectRefused(refused, '/body/reason', PHONE.slice(1));
    // The service function refuses it too (a caller that skips the API's schema).
    const deps = { pcgd: h.env.config.pcgd, now: () => new Date() };
    await expect(
      db().tx((q) => requestReopen(deps, q, { reportId: id, actor: 'operator:cli:x', reason: PHONE })),
    ).rejects.toMatchObject({ code: 'ERR_FREE_TEXT_PERSONAL_DATA' });
    expect(await countRows(db(), 'truc.pcgd_reports')).toBe(reports);
    expect(await countRows(db(), 'truc.pcgd_reports', `id = ${id} AND superseded_at IS NULL`)).toBe(1);
    expect(await audited()).toBe(before);
    // One line of text, as a guard decision's reason (fix34f's note: a line break or a bidi override was kept).
    for (const reason of ['sửa số liệu\ndòng hai', 'sửa số liệu \u202e']) {
      const bad = await send('POST', `/v1/pcgd/reports/${id}/reopen`, { reason }, province);
      expect(bad.statusCode, bad.body).toBe(400);
      expect(bad.json<{ errors: { pointer: string }[] }>().errors[0]?.pointer).toBe('/body/reason');
    }
    expect(await audited()).toBe(before);
    const ok = await send(
      'POST',
      `/v1/pcgd/reports/${id}/reopen`,
      { reason: `sửa số liệu năm ${YEAR}` },
      province,
    );
    expect(ok.statusCode, ok.body).toBe(202);
  });

  it('a client named with a phone, by the API (create, rename) or the CLI: refused, nothing stored', async () => {
    const clients = await countRows(db(), 'truc.api_clients');
    const before = await audited();
    const created = await send('POST', '/v1/admin/clients', {
      name: `Trường 79000001, gọi ${PHONE}`,
      role: 'vendor',
      schools: ['79000001'],
    });
    expectRefused(created, '/body/name', PHONE);
    const other = await addClient(db(), { name: 'Phần mềm A', role: 'vendor', schools: ['79000001'] });
    const renamed = await send('PATCH', `/v1/admin/clients/${other.clientId}`, { name: `A ${PERSONAL_ID}` });
    expectRefused(renamed, '/body/name', PERSONAL_ID);
    const cli = await truc('clients', 'add', '--name', `Phần mềm B ${PHONE}`, '--role', 'city-admin');
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('ERR_FREE_TEXT_PERSONAL_DATA');
    expect(cli.stderr).not.toContain('345');
    expect(await countRows(db(), 'truc.api_clients')).toBe(clients + 1);
    expect(await countRows(db(), 'truc.api_clients', `name = 'Phần mềm A'`)).toBe(1);
    expect(await audited()).toBe(before + 1); // the one client added
  });
});
