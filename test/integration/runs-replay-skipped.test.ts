/**
 * runs item 3: replaying a dead letter replayed already answered `replayed: []` and nothing else. Now the answer says
 * which letters asked for by id were skipped and why, in Vietnamese and English (`skipped`); the CLI's lines read the
 * same account. Real PostgreSQL, the API in process.
 */
import { describe, expect, it } from 'vitest';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';
import { websiteProbeLetter } from '../helpers/dead-letter.js';

describe('runs item 3: a replay says the letters it skipped and why (postgres)', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );

  it('a letter replayed already, an open one not matching and an unknown id are skipped, each with its reason', async () => {
    const db = h.env.deps.db;
    const [a, b] = [await websiteProbeLetter(db), await websiteProbeLetter(db)];
    const first = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, { ids: [a] });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ replayed: [a], skipped: [] });
    const again = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, {
      ids: [a, b, 99_999_999],
      queue: 'website-probe',
      errorCode: 'ERR_ADAPTER_REJECTED',
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({
      replayed: [],
      skipped: [
        {
          id: a,
          reason: 'replayed',
          message: {
            vi: `Việc lỗi ${a}: đã được chạy lại trước đó, không chạy lại lần nữa`,
            en: `Dead letter ${a}: replayed already, not replayed again`,
          },
        },
        {
          id: b,
          reason: 'not-matching',
          message: { en: `Dead letter ${b}: open, but not matching queue/errorCode/syncRunId` },
        },
        { id: 99_999_999, reason: 'not-found', message: { en: 'Dead letter 99999999: no such dead letter' } },
      ],
    });
  });
});
