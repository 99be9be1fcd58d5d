/**
 * Which school-management system serves each school (issue 7), on embedded PGlite: a city admin lists
 * the schools and their systems, sets a school's system (audited; pulls and batches no longer overwrite
 * it) and clears it; vendors are refused; the CLI's operation does the same, audited.
 */
import { describe, expect, it } from 'vitest';
import { expectProblem, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { listSchoolSystems, setSchoolSystem } from '../../src/ops.js';
import { createSchoolSystemsRepo } from '../../src/store/school-systems.js';

const h = useApiHarness(backends()[0]!);

/** A school truc holds (its record stored), as a schools pull would leave it. */
const holdSchool = (code: string) =>
  h.env.deps.db.query(
    `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
     VALUES ($1, '{}', 'f', 'hcm-csdl', 'v1') ON CONFLICT DO NOTHING`,
    [code],
  );

const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown, token = h.tokens.admin) =>
  h.send(method, url, token, payload);
const audits = (action: string) => h.audits(action);

describe('admin API of school systems', () => {
  it('lists what pulls and batches taught, filtered by system', async () => {
    await createSchoolSystemsRepo(h.env.deps.db).learn('smas', ['SSL001', 'SSL002'], 'pull');
    await createSchoolSystemsRepo(h.env.deps.db).learn('vnedu', ['SSL003'], 'batch');
    const res = await call('GET', '/v1/admin/school-systems?system=smas');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ total: number; items: Array<{ schoolCode: string; learnedFrom: string }> }>();
    expect(body.items.map((r) => r.schoolCode)).toEqual(expect.arrayContaining(['SSL001', 'SSL002']));
    expect(body.items.every((r) => r.learnedFrom === 'pull')).toBe(true);
    expect(body.items.map((r) => r.schoolCode)).not.toContain('SSL003');
  });

  it('an admin sets a school’s system (audited); learning no longer overwrites it', async () => {
    await holdSchool('SSA001');
    const before = await audits('school-system.set');
    const res = await call('PUT', '/v1/admin/school-systems/SSA001', { system: 'vnedu' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ schoolCode: 'SSA001', system: 'vnedu', learnedFrom: 'admin' });
    expect(res.json<{ setBy: string }>().setBy).toBeTruthy();
    expect(await audits('school-system.set')).toBe(before + 1);
    // A later smas pull of that school does not take it back.
    await createSchoolSystemsRepo(h.env.deps.db).learn('smas', ['SSA001'], 'pull');
    expect((await call('GET', '/v1/admin/school-systems/SSA001')).json()).toMatchObject({
      system: 'vnedu',
      learnedFrom: 'admin',
    });
    const served = await createSchoolSystemsRepo(h.env.deps.db).servedBy('vnedu', ['SSA001', 'SSA002']);
    expect([...served]).toEqual(['SSA001']);
  });

  it('an admin clears a school (audited); learning fills it again', async () => {
    await createSchoolSystemsRepo(h.env.deps.db).learn('smas', ['SSC001'], 'pull');
    const before = await audits('school-system.cleared');
    expect((await call('DELETE', '/v1/admin/school-systems/SSC001')).statusCode).toBe(204);
    expect(await audits('school-system.cleared')).toBe(before + 1);
    expectProblem(await call('GET', '/v1/admin/school-systems/SSC001'), 404, 'ERR_NOT_FOUND');
    expectProblem(await call('DELETE', '/v1/admin/school-systems/SSC001'), 404, 'ERR_NOT_FOUND');
    await createSchoolSystemsRepo(h.env.deps.db).learn('smas', ['SSC001'], 'pull');
    expect((await call('GET', '/v1/admin/school-systems/SSC001')).json()).toMatchObject({
      system: 'smas',
      learnedFrom: 'pull',
    });
  });

  it('bad input and non-admins are refused, changing nothing', async () => {
    await createSchoolSystemsRepo(h.env.deps.db).learn('smas', ['SSB002'], 'pull');
    const before = await audits('school-system.set');
    expectProblem(
      await call('PUT', '/v1/admin/school-systems/SSB002', { system: 'hcm-csdl' }),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await call('PUT', '/v1/admin/school-systems/bad%20code', { system: 'smas' }),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await call('PUT', '/v1/admin/school-systems/SSB002', { system: 'vnedu' }, h.tokens.vendor),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
    expectProblem(
      await call('GET', '/v1/admin/school-systems', undefined, h.tokens.vendor),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
    expect(await audits('school-system.set')).toBe(before);
    expect((await call('GET', '/v1/admin/school-systems/SSB002')).json()).toMatchObject({ system: 'smas' });
  });

  // fixes26a: a school truc does not hold (a mistyped code) was kept as a school of its own, listed, never pulled.
  it('a school truc holds no record of is refused (ERR_SCOPE_UNKNOWN, bilingual), nothing kept or audited', async () => {
    const before = await audits('school-system.set');
    const res = await call('PUT', '/v1/admin/school-systems/SSU404', { system: 'vnedu' });
    const p = expectProblem(res, 400, 'ERR_SCOPE_UNKNOWN');
    expect(p.detail).toBe('truc không có trường SSU404 / no school SSU404 is held');
    expectProblem(await call('GET', '/v1/admin/school-systems/SSU404'), 404, 'ERR_NOT_FOUND');
    await expect(setSchoolSystem(h.env.deps.db, 'SSU404', 'smas')).rejects.toMatchObject({
      code: 'ERR_SCOPE_UNKNOWN',
    });
    expect((await listSchoolSystems(h.env.deps.db)).map((r) => r.schoolCode)).not.toContain('SSU404');
    expect(await audits('school-system.set')).toBe(before);
  });

  it('the CLI operation sets and clears, audited as the operator', async () => {
    await holdSchool('SSA004');
    await setSchoolSystem(h.env.deps.db, 'SSA004', 'smas');
    expect(
      (await listSchoolSystems(h.env.deps.db, 'smas')).find((r) => r.schoolCode === 'SSA004'),
    ).toMatchObject({
      learnedFrom: 'admin',
      setBy: 'operator:cli',
    });
    await expect(setSchoolSystem(h.env.deps.db, 'SSA004', 'moet-pcgd')).rejects.toThrow(/one of/);
    expect(await setSchoolSystem(h.env.deps.db, 'SSA004', null)).toBe(true);
    expect(await setSchoolSystem(h.env.deps.db, 'SSA004', null)).toBe(false);
  });
});
