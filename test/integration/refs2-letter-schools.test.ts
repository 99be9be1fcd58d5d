/**
 * refs2 item 1: a delete push set with no batch (a sync run's deletes, a resend) whose keys are at several schools
 * gave its dead letter no school at all (src/jobs/dead-letters.ts set schoolCode only for exactly one school). Its
 * refs now say schoolCodes (sorted, the first 20) and schoolCount; one school still says schoolCode. Codes only.
 * Real PostgreSQL: the letter recorded as the worker records it, read through GET /v1/dead-letters.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deadLetterLine } from '../../src/cli/commands/dead-letters.js';
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { student } from '../factories/records.js';
import { useApiHarness } from '../helpers/api.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

type Listed = Parameters<typeof deadLetterLine>[0];

/** A delete set of `schools` (a key at each, in that order) from no batch, dead-lettered; its push set's id. */
async function deadDeleteSet(schools: string[]): Promise<number> {
  const pushSetId = await createPushSetsRepo(h.env.deps.db).create({
    ...{ system: 'hcm-csdl', entity: 'students', operation: 'delete' },
    ...{ keys: schools.map((s, i) => `K-${s}-${i}`), schools },
  });
  return deadLettered(pushSetId);
}

/** The push set dead-lettered as the worker records it; its id. */
async function deadLettered(pushSetId: number): Promise<number> {
  const db = h.env.deps.db;
  const outboxId = await createOutboxRepo(db).add('push.hcm-csdl', 'push-set', { pushSetId });
  await recordDeadLetter(db, {
    ...{
      outboxId,
      queue: 'push.hcm-csdl',
      name: 'push-set',
      jobId: `ob-${outboxId}`,
      payload: { pushSetId },
    },
    ...{ code: 'ERR_ADAPTER_REJECTED', message: 'answered 400', attempts: 1, at: new Date() },
  });
  return pushSetId;
}

const letterOf = async (pushSetId: number): Promise<Listed> => {
  const res = await h.get('/v1/dead-letters?limit=100', h.tokens.admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Listed[] }>().items.find((l) => l.refs.pushSetId === pushSetId)!;
};

describe('refs2 item 1: a delete set from no batch at several schools names them in its letter', () => {
  it('several schools: schoolCodes sorted and capped at 20, schoolCount all; one school: schoolCode', async () => {
    // 25 schools, given unsorted and one of them twice
    const many = Array.from({ length: 25 }, (_, i) => `790${String(100 - i).padStart(5, '0')}`);
    const several = await letterOf(await deadDeleteSet([...many, many[3]!]));
    const sorted = [...many].sort();
    expect(several.refs).toEqual({
      pushSetId: expect.any(Number),
      schoolCodes: sorted.slice(0, 20),
      schoolCount: 25,
      entity: 'students',
    });
    expect(deadLetterLine(several)).toContain(`schoolCodes ${sorted.slice(0, 20).join(' ')}, schoolCount 25`);

    const two = await letterOf(await deadDeleteSet(['79000002', '79000001']));
    expect(two.refs).toMatchObject({ schoolCodes: ['79000001', '79000002'], schoolCount: 2 });

    const one = await letterOf(await deadDeleteSet(['79000003', '79000003']));
    expect(one.refs).toEqual({ pushSetId: expect.any(Number), schoolCode: '79000003', entity: 'students' });
  });
});

describe('walk6 W6-6: a letter of a page of a pull of every school names the school its set went to, never *', () => {
  it('an upsert set of such a page: the school its records are at; none live: no school', async () => {
    const db = h.env.deps.db;
    const syncRunId = await createSyncRunsRepo(db).create({
      ...{ system: 'hcm-csdl', entity: 'students', scope: '', since: 'w0', requestedBy: 'x' },
    });
    // a page of the run: its batch's school is every school's ('*')
    const batchId = randomUUID();
    await createBatchesRepo(db).insert({
      ...{ id: batchId, clientId: 'system:pull', schoolCode: '*', entity: 'students', format: 'hcm-csdl' },
      ...{ records: [], syncRunId },
    });
    const rs = [student('W6HS1', { schoolCode: '79000004' }), student('W6HS2', { schoolCode: '79000004' })];
    await db.tx((q) =>
      createRecordsRepo(q).upsert(
        'students',
        rs.map((r) => ({ key: r.studentCode, scope: r.schoolCode, data: r, fingerprint: fingerprint(r) })),
        { system: 'hcm-csdl', mappingVersion: 'test' },
      ),
    );
    const sets = createPushSetsRepo(db);
    const set = (keys: string[]) => sets.create({ system: 'smas', entity: 'students', keys, batchId });
    const one = await letterOf(await deadLettered(await set(['W6HS1', 'W6HS2'])));
    expect(one.refs).toEqual({
      ...{ pushSetId: expect.any(Number), batchId, schoolCode: '79000004' },
      ...{ entity: 'students', syncRunId },
    });
    const none = await letterOf(await deadLettered(await set(['W6GONE'])));
    expect(none.refs).toEqual({ pushSetId: expect.any(Number), batchId, entity: 'students', syncRunId });
  });
});
