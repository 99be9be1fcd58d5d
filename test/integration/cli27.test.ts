/**
 * cli27 (review26a's CLI notes), on a real PostgreSQL with the API in process beside the CLI:
 * - `truc dead-letters list` prints what GET /v1/dead-letters gives (the API's view of each letter, not the store's
 *   row with its internal column names): `--json` one JSON object a line, else one line a letter, `vi / en`;
 * - an unknown id is one rule across the commands that take one: `ERR_NOT_FOUND` naming it in both languages,
 *   exit 1, nothing changed; an ill-formed id is bad usage, exit 2.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

describe('cli27 on postgres', () => {
  const cli = useCliBesideApi();

  const get = (url: string) =>
    cli.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${cli.token}` } });
  const count = async (sql: string) => (await cli.env.deps.db.query<{ n: number }>(sql)).rows[0]!.n;
  /** What a refused command must leave as it was: the audit log, the letters, the clients, the holds. */
  const state = async () => ({
    audit: await count('SELECT count(*)::int AS n FROM truc.audit_log'),
    closed: await count(
      'SELECT count(*)::int AS n FROM truc.dead_letters WHERE replayed_at IS NOT NULL OR abandoned_at IS NOT NULL',
    ),
    disabled: await count('SELECT count(*)::int AS n FROM truc.api_clients WHERE disabled'),
  });

  beforeAll(async () => {
    for (const [queue, code, message] of [
      ['website-probe', 'ERR_JOB_STARTS_EXHAUSTED', 'job stalled more than allowable limit'],
      ['change-purge', 'ERR_ADAPTER_UNAVAILABLE', 'hcm-csdl answered 503'],
    ] as const)
      await recordDeadLetter(cli.env.deps.db, {
        outboxId: undefined,
        queue,
        name: queue,
        jobId: `repeat:${queue}:1`,
        payload: { requestedBy: 'schedule' },
        code,
        message,
        attempts: 3,
        at: new Date(),
      });
  });

  describe('truc dead-letters list', () => {
    // review26a: it printed the store's rows (outboxId, jobName, payload: internal names) and had no --json.
    it('--json prints what GET /v1/dead-letters gives, one JSON object a line', async () => {
      const api = (await get('/v1/dead-letters')).json<{ items: unknown[] }>();
      expect(api.items).toHaveLength(2);
      const e = await truc('dead-letters', 'list', '--json');
      expect(e.code, e.stderr).toBe(0);
      expect(
        e.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual(api.items);
      const filtered = await truc('dead-letters', 'list', '--json', '--queue', 'change-purge');
      expect(
        filtered.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual((await get('/v1/dead-letters?queue=change-purge')).json<{ items: unknown[] }>().items);
    });

    it('without --json: a count, then one line a letter in the CLI table style, Vietnamese then English', async () => {
      const e = await truc('dead-letters', 'list');
      expect(e.code, e.stderr).toBe(0);
      const lines = e.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(
        '2 trên 2 việc lỗi, mới nhất trước (2 còn mở: truc dead-letters replay) / ' +
          '2 of 2 dead letters, newest first (2 open: truc dead-letters replay)',
      );
      expect(lines).toHaveLength(3);
      for (const line of lines) expectViThenEn(line.trim());
      expect(lines[1]).toMatch(
        /^ {2}việc lỗi \d+ change-purge\/change-purge: ERR_ADAPTER_UNAVAILABLE \(Hệ thống ngoài không phản hồi\), 3 lần thử, lỗi \d{4}-\d\d-\d\d \d\d:\d\d \(\+07\), còn mở; ánh xạ không có \/ /,
      );
      expect(lines[1]).toMatch(
        / \/ dead letter \d+ change-purge\/change-purge: ERR_ADAPTER_UNAVAILABLE \(hcm-csdl answered 503\), 3 attempts, failed .* \(\+07\), open; mapping none$/,
      );
      expect(e.stdout).not.toMatch(/outboxId|jobName|payload/);
      const paged = await truc('dead-letters', 'list', '--limit', '1');
      expect(paged.stdout.trimEnd().split('\n').at(-1)).toBe('còn nữa: --offset 1 / more: --offset 1');
    });
  });

  describe('an unknown id: ERR_NOT_FOUND naming it, exit 1, nothing changed', () => {
    const notFound = (vi: string, en: string) =>
      `truc: ERR_NOT_FOUND: Không tìm thấy tài nguyên: ${vi} / The resource was not found: ${en}\n`;
    it.each([
      [['sync', 'show', '999999'], notFound('không có lượt đồng bộ 999999', 'no sync run 999999')],
      [['holds', 'show', '999999'], notFound('không có lệnh giữ 999999', 'no guard hold 999999')],
      [['holds', 'approve', '999999'], notFound('không có lệnh giữ 999999', 'no guard hold 999999')],
      [['holds', 'reject', '999999'], notFound('không có lệnh giữ 999999', 'no guard hold 999999')],
      [
        ['dead-letters', 'replay', '--ids', '1,999998,999999'],
        notFound('không có việc lỗi 999998, 999999', 'no dead letter 999998, 999999'),
      ],
      [['pcgd', 'approve', '999999'], notFound('không có báo cáo 999999', 'no report 999999')],
      [['pcgd', 'submit', '999999'], notFound('không có báo cáo 999999', 'no report 999999')],
      [
        ['pcgd', 'export', '999999', '--out', '/tmp/cli27-no-export'],
        notFound('không có báo cáo 999999', 'no report 999999'),
      ],
      [
        ['schedules', 'pause', 'no-such-schedule'],
        notFound('không có lịch no-such-schedule', 'no schedule no-such-schedule'),
      ],
      [
        ['schedules', 'run', 'no-such-schedule'],
        notFound('không có lịch no-such-schedule', 'no schedule no-such-schedule'),
      ],
      [['clients', 'disable', 'cl_nope'], notFound('không có client cl_nope', 'no client cl_nope')],
      [['clients', 'enable', 'cl_nope'], notFound('không có client cl_nope', 'no client cl_nope')],
      [['clients', 'rotate-secret', 'cl_nope'], notFound('không có client cl_nope', 'no client cl_nope')],
      [
        ['clients', 'set-schools', 'cl_nope', '--schools', '79000001'],
        notFound('không có client cl_nope', 'no client cl_nope'),
      ],
      [
        ['school-systems', 'clear', '79999999'],
        notFound('chưa biết hệ thống nào phục vụ trường 79999999', 'no system known for school 79999999'),
      ],
    ])('%j', async (argv, line) => {
      const before = await state();
      const e = await truc(...argv);
      expect({ code: e.code, stdout: e.stdout, stderr: e.stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: line,
      });
      expect(await state()).toEqual(before);
    });
  });

  describe('an ill-formed id: bad usage, exit 2, nothing changed', () => {
    it.each([
      ['sync', 'show', 'x'],
      ['holds', 'show', '0'],
      ['holds', 'approve', '1e3'],
      ['dead-letters', 'replay', '--ids', '0x10'],
      ['pcgd', 'approve', 'x'],
      ['pcgd', 'submit', '-1'],
      ['pcgd', 'export', '12a'],
      ['schedules', 'pause', 'No Such'],
      ['clients', 'disable', 'cl nope'],
      ['clients', 'rotate-secret', '../cl_x'],
      ['school-systems', 'clear', '../x'],
    ])('%j', async (...argv) => {
      const before = await state();
      const e = await truc(...argv);
      expect({ code: e.code, stdout: e.stdout }).toEqual({ code: 2, stdout: '' });
      expect(e.stderr).toMatch(/^truc: \S.* \/ \S/);
      expect(await state()).toEqual(before);
    });
  });
});
