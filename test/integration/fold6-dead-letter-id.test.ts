/**
 * fold6 item 2: a school page links a dead letter to the dead letters page, which could filter by queue and code
 * only (every letter of them). GET /v1/dead-letters?id= lists that letter alone; an id that is not a positive whole
 * number is a 400 in Vietnamese and English. Real PostgreSQL, the API in process, letters written by the store.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/errors.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { expectProblem, useApiHarness } from '../helpers/api.js';

const h = useApiHarness({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });

interface Listed {
  total: number;
  open: number;
  items: Array<{ id: number; errorCode: string }>;
}

describe('GET /v1/dead-letters?id=: one letter by its id', () => {
  let ids: number[] = [];
  beforeAll(async () => {
    const repo = createDeadLettersRepo(h.env.deps.db);
    const letter = { outboxId: undefined, queue: 'push.smas', jobName: 'push-set', attempts: 1 };
    for (const n of [1, 2, 3])
      await repo.insert({ ...letter, errorCode: 'ERR_ADAPTER_REJECTED', errorMessage: `refused ${n}` });
    ids = (await repo.list({}, 10, 0)).map((l) => l.id).sort((a, b) => a - b);
  });

  it('lists that letter alone, among others of its queue and code', async () => {
    expect(ids).toHaveLength(3);
    const res = await h.get(`/v1/dead-letters?id=${ids[1]}`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Listed>();
    expect(body).toMatchObject({ total: 1, open: 1 });
    expect(body.items.map((l) => l.id)).toEqual([ids[1]]);
    const none = await h.get(`/v1/dead-letters?id=${ids[2]! + 1000}`, h.tokens.admin);
    expect(none.json<Listed>()).toMatchObject({ total: 0, items: [] });
  });

  // walk8 W8-6: a letter's errorMessage is its own words, mostly English; the code's words are beside it, in both.
  it("each letter carries its code's words in Vietnamese and English beside its own message", async () => {
    const res = await h.get(`/v1/dead-letters?id=${ids[0]}`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({
        errorMessage: 'refused 1',
        message: { vi: ERRORS.ERR_ADAPTER_REJECTED.vi, en: ERRORS.ERR_ADAPTER_REJECTED.en },
      }),
    ]);
  });

  it.each(['abc', '0', '-1', '1.5'])('id=%s is a 400 in Vietnamese and English', async (id) => {
    const res = await h.get(`/v1/dead-letters?id=${id}`, h.tokens.admin);
    const p = expectProblem(res, 400, 'ERR_VALIDATION');
    expect(p.errors?.map((e) => e.pointer)).toEqual(['/querystring/id']);
    for (const e of p.errors ?? []) expect(e.message).toMatch(/^.+ \/ .+$/);
  });
});
