/**
 * walk5 W5-6: a hold's reasons were listed grade 7, 8, 9, the whole school, then grade 6 (the highest ratio first).
 * Now each school's together, the school of the highest ratio first, its whole-school reason before its grades in
 * order (6 before 10): GET /v1/guard/holds/{id} and its /reasons pages alike. Real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createGuardHoldsRepo, type HoldReason } from '../../src/store/guard-holds.js';
import { student } from '../factories/records.js';
import { S1, S2, useApiHarness } from '../helpers/api.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
let holdId = 0;

const reason = (school: string, ratio: number, grade?: string): HoldReason => ({
  ...{ school, kind: 'deleted', count: 10, live: 10, ratio, threshold: 0.3 },
  ...(grade ? { grade } : {}),
});

beforeAll(async () => {
  const batchId = randomUUID();
  await createBatchesRepo(h.env.deps.db).insert({
    ...{ id: batchId, clientId: 'test', schoolCode: S1, entity: 'students', format: 'canonical' },
    ...{ records: [student('R-1')], mode: 'snapshot' },
  });
  holdId = await createGuardHoldsRepo(h.env.deps.db).create({
    ...{ kind: 'batch', batchId, entity: 'students', diff: [] },
    reasons: [
      reason(S2, 0.5),
      reason(S1, 1, '7'),
      reason(S1, 1, '8'),
      reason(S1, 1, '10'),
      reason(S1, 0.95),
      reason(S1, 0.9, '6'),
    ],
  });
});

const EXPECTED = [`${S1}:`, `${S1}:6`, `${S1}:7`, `${S1}:8`, `${S1}:10`, `${S2}:`];
const named = (rs: HoldReason[]) => rs.map((r) => `${r.school}:${r.grade ?? ''}`);

describe('walk5 W5-6: a hold’s reasons, the school first, then its grades in order', () => {
  it('GET /v1/guard/holds/{id} and its /reasons list them so', async () => {
    const one = await h.get(`/v1/guard/holds/${holdId}`, h.tokens.admin);
    expect(one.statusCode, one.body).toBe(200);
    expect(named(one.json<{ reasons: HoldReason[] }>().reasons)).toEqual(EXPECTED);
    const page = await h.get(`/v1/guard/holds/${holdId}/reasons?limit=3&offset=1`, h.tokens.admin);
    expect(page.statusCode, page.body).toBe(200);
    expect(named(page.json<{ items: HoldReason[] }>().items)).toEqual(EXPECTED.slice(1, 4));
  });
});
