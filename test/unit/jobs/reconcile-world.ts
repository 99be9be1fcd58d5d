/**
 * The world the reconciliation tests share (./reconcile.test.ts, ./reconcile-deletes.test.ts): a worker context whose
 * students come from a fake hcm-csdl source and go to two targets that delete by key.
 */
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { S1 } from '../../helpers/api.js';
import { drain as drainOf, fakeTarget, hcmStudent, useStudentsSource } from './fixtures.js';

export const wire = (code: string, school = S1) => hcmStudent(code, { school });

/**
 * A worker context whose students come from a fake hcm-csdl source and go to the city database and a
 * school system (both delete by key), with the helpers the tests below share.
 */
export function reconcileWorld() {
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const school = fakeTarget('vnedu', ['students'], ['students']);
  const { ctx, source } = useStudentsSource({ 'hcm-csdl': city, vnedu: school });
  /** Runs every open job of a queue (in outbox order) until none is left; returns their results. */
  const drain = (queue: string) => drainOf(ctx, queue);

  async function seed(keys: string[], system: string, scope = S1) {
    await createRecordsRepo(ctx.db).upsert(
      'students',
      keys.map((key) => ({ key, scope, data: { key }, fingerprint: fingerprint({ key }) })),
      { system, mappingVersion: 't@1' },
    );
  }
  const live = async (key: string) =>
    (await ctx.db.rows('truc.students', `student_code = '${key}' AND deleted_at IS NULL`)).length === 1;
  const deleteSets = async () =>
    ctx.db.rows<{ id: number; system: string; keys: string[] }>(
      'truc.push_sets',
      `operation = 'delete' ORDER BY id`,
    );
  return { city, school, ctx, source, drain, seed, live, deleteSets };
}
