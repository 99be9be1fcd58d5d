/**
 * ops28, `truc dead-letters replay --ids` on a real PostgreSQL with the API in process beside the CLI: a letter asked
 * for by id and not replayed (already replayed, closed) is named with the reason, in Vietnamese then English, as the
 * API's view of it says (`replayedAt`, `abandonedAt`; the API's replay answers such a letter with nothing: `replayed`
 * and `closed` empty), and when none of the asked ids was replayed the command fails (exit 1; it exited 0). `list
 * --sync-run` (vendor6 item 3) lists what the API's `?syncRunId=` lists, and `replay --sync-run` (fix7) replays them.
 */
import { describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';
import { hcmStudentsRun, runDeleteLetter, websiteProbeLetter } from '../helpers/dead-letter.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

describe('truc dead-letters replay --ids on postgres', () => {
  const cli = useCliBesideApi();

  it('a closed letter asked for alone: nothing replayed, it says why, exit 1', async () => {
    const replayed = await websiteProbeLetter(cli.env.deps.db);
    const abandoned = await websiteProbeLetter(cli.env.deps.db);
    await createDeadLettersRepo(cli.env.deps.db).markClosed([replayed], 'replayed');
    await createDeadLettersRepo(cli.env.deps.db).markClosed([abandoned], 'abandoned');
    // The API's answer to the same: 200, nothing replayed, nothing closed by it.
    const api = await cli.app.inject({
      method: 'POST',
      url: '/v1/dead-letters/replay',
      headers: { authorization: `Bearer ${cli.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ ids: [replayed, abandoned] }),
    });
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json()).toMatchObject({ replayed: [], closed: [] });

    const e = await truc('dead-letters', 'replay', '--ids', `${abandoned},${replayed}`);
    expect(e.code, e.stderr).toBe(1);
    const lines = e.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^không có việc lỗi nào chưa chạy lại khớp bộ lọc .* \/ no dead letter not yet/);
    expect(lines.slice(1)).toHaveLength(2);
    for (const line of lines.slice(1)) expectViThenEn(line.trim());
    expect(lines[1]).toMatch(
      new RegExp(
        `^ {2}việc lỗi ${replayed} không được chạy lại: không còn mở \\(đã chạy lại .*\\) / ` +
          `dead letter ${replayed} not replayed: no longer open \\(replayed .*\\)$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^ {2}việc lỗi ${abandoned} không được chạy lại: không còn mở \\(đã đóng không chạy lại .*\\) / ` +
          `dead letter ${abandoned} not replayed: no longer open \\(closed unreplayed .*\\)$`,
      ),
    );
  });

  it('an open letter and a closed one: the open one replayed, the other named, exit 0', async () => {
    const open = await websiteProbeLetter(cli.env.deps.db);
    const closed = await websiteProbeLetter(cli.env.deps.db);
    await createDeadLettersRepo(cli.env.deps.db).markClosed([closed], 'replayed');
    const e = await truc('dead-letters', 'replay', '--ids', `${open},${closed}`);
    expect(e.code, e.stderr).toBe(0);
    // fix30b: the letter's work maps nothing in, so the replay does not name a mapping it did not use, and the
    // letter's line says why (it said `no mapping` under `replayed 1 (mapping: current)`); the default choice left,
    // no word of a choice not applying (walk5 W5-4).
    expect(e.stdout.split('\n').slice(0, 2)).toEqual([
      'đã chạy lại 1 / replayed 1',
      `  việc lỗi ${open}: việc này không ánh xạ dữ liệu nhận vào (một lần gửi đi gửi bản ghi đã ánh xạ khi nhận) / ` +
        `dead letter ${open}: its work maps no incoming data (a delivery sends records mapped when they came in)`,
    ]);
    expect(e.stderr).toMatch(new RegExp(`^ {2}việc lỗi ${closed} không được chạy lại: không còn mở`));
    expect(e.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an open letter not matching the other filters is named as such', async () => {
    const open = await websiteProbeLetter(cli.env.deps.db);
    const e = await truc('dead-letters', 'replay', '--ids', `${open}`, '--queue', 'ingest');
    expect(e.code, e.stderr).toBe(1);
    expect(e.stderr).toContain(
      `việc lỗi ${open} không được chạy lại: còn mở nhưng không khớp --queue/--code / ` +
        `dead letter ${open} not replayed: open, but not matching --queue/--code`,
    );
  });

  // vendor6 item 3: the API's ?syncRunId= (vendor5 item 5) had no CLI twin.
  it('list --sync-run: only that run’s letters, as GET /v1/dead-letters?syncRunId= lists them', async () => {
    const db = cli.env.deps.db;
    const [runId, otherRun] = [await hcmStudentsRun(db, 'c1'), await hcmStudentsRun(db, 'c2')];
    const mine = await runDeleteLetter(db, runId);
    await runDeleteLetter(db, otherRun);
    await websiteProbeLetter(db);
    const api = await cli.app.inject({
      method: 'GET',
      url: `/v1/dead-letters?syncRunId=${runId}`,
      headers: { authorization: `Bearer ${cli.token}` },
    });
    expect(api.statusCode, api.body).toBe(200);
    const e = await truc('dead-letters', 'list', '--sync-run', String(runId), '--json');
    expect(e.code, e.stderr).toBe(0);
    const lines = e.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { refs: Record<string, unknown> });
    expect(lines).toEqual(api.json<{ items: unknown[] }>().items);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.refs).toMatchObject({ pushSetId: mine, syncRunId: runId });
    const text = await truc('dead-letters', 'list', '--sync-run', String(runId));
    expect(text.stdout.split('\n')[0]).toMatch(/^1 trên 1 việc lỗi, .* \/ 1 of 1 dead letter, /);
  });

  // fix7: the replay lacked the run filter the list has
  it('replay --sync-run: that run’s letters only, as POST /v1/dead-letters/replay {syncRunId} replays them', async () => {
    const db = cli.env.deps.db;
    const [runId, otherRun] = [await hcmStudentsRun(db, 'c3'), await hcmStudentsRun(db, 'c4')];
    await runDeleteLetter(db, runId);
    await runDeleteLetter(db, otherRun);
    const repo = createDeadLettersRepo(db);
    const e = await truc('dead-letters', 'replay', '--sync-run', String(runId));
    expect(e.code, e.stderr).toBe(0);
    expect(await repo.count({ syncRunId: runId })).toEqual({ total: 0, open: 0 });
    expect(await repo.count({ syncRunId: otherRun })).toEqual({ total: 1, open: 1 });
  });
});
