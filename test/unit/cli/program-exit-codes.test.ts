/**
 * The `truc` command table, run in process (test/helpers/cli-program.ts; its --help: program.test.ts): the
 * exit codes of the operator contract (DESIGN §3: 0 success, 1 failure, 2 bad usage or configuration; truc adds 3 a
 * guard hold and 4 migrations pending, src/cli/program.ts EXIT_CODES; one
 * clear stderr line first).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { started, truc } from '../../helpers/cli-program.js';

/** A report's forms as the API names them, alone in a folder (no package, no signature beside it). */
const FORMS = join(mkdtempSync(join(tmpdir(), 'walk10-')), 'pcgd-27112-2026-v1-forms.pdf');
writeFileSync(FORMS, '%PDF-1.7\n');
afterAll(() => rmSync(dirname(FORMS), { recursive: true, force: true }));

const ops = await import('../../../src/ops.js');
const { AppError } = await import('../../../src/errors.js');

describe('truc exit codes', () => {
  beforeEach(() => {
    started.length = 0;
  });

  it('no command: usage on stderr, exit 2', async () => {
    const e = await truc();
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('Usage: truc');
  });

  it('a command group without its subcommand: its usage on stderr, exit 2', async () => {
    const e = await truc('clients');
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('Usage: truc clients');
    expect(started).toEqual([]);
  });

  // Each bad usage's first line, in Vietnamese then English (CONVENTIONS decision 8).
  it.each([
    [['frobnicate'], 'truc: không có lệnh frobnicate / unknown command: frobnicate'],
    [['clients', 'frobnicate'], 'truc: không có lệnh frobnicate / unknown command: frobnicate'],
    [
      ['clients', 'add', '--role', 'vendor'],
      'truc: clients add cần --name và --role / clients add needs --name and --role',
    ],
    [['clients', 'disable'], "truc: thiếu tham số bắt buộc clientId / missing required argument 'clientId'"],
    [['migrate', '--bogus'], "truc: không có tuỳ chọn --bogus / unknown option '--bogus'"],
    [
      ['audit', 'verify', 'extra'],
      "truc: quá nhiều tham số cho verify: cần 0, nhận 1 / too many arguments for 'verify'",
    ],
    [
      ['dead-letters', 'list', '--limit'],
      "truc: tuỳ chọn --limit <n> cần một giá trị / option '--limit <n>'",
    ],
    // ops28: the API's bound (DEAD_LETTERS_PAGE_MAX, 500), not 10,000.
    [
      ['dead-letters', 'list', '--limit', '501'],
      "truc: tuỳ chọn --limit <n>: giá trị '501' không hợp lệ, cần một số nguyên từ 1 đến 500 / " +
        "option '--limit <n>' argument '501' is invalid. an integer from 1 to 500",
    ],
    [
      ['dead-letters', 'replay'],
      'truc: dead-letters replay cần --ids, --queue, --code hoặc --sync-run, hoặc --all / dead-letters replay needs --ids, --queue, --code or --sync-run, or --all',
    ],
    // fix8 item 6: --all beside a filter is refused before anything is replayed, in the API's words for all=true.
    [
      ['dead-letters', 'replay', '--all', '--queue', 'ingest'],
      'truc: --all là mọi việc lỗi còn mở, không đi cùng --queue: chọn một trong hai / ' +
        '--all is every open letter and cannot go with --queue: give one or the other',
    ],
    [
      ['dead-letters', 'replay', '--all', '--ids', '3', '--code', 'ERR_VALIDATION', '--sync-run', '2'],
      'truc: --all là mọi việc lỗi còn mở, không đi cùng --ids, --code, --sync-run: chọn một trong hai / ' +
        '--all is every open letter and cannot go with --ids, --code, --sync-run: give one or the other',
    ],
    [
      ['dead-letters', 'list', '--ids', '1,x'],
      "truc: tuỳ chọn --ids <ids>: giá trị '1,x' không hợp lệ, cần các số nguyên dương, cách nhau bởi dấu phẩy / " +
        "option '--ids <ids>' argument '1,x' is invalid. positive integers, comma-separated",
    ],
    // vendor6 item 3: --sync-run takes the CLI's one id rule, as ?syncRunId= takes a positive integer.
    [
      ['dead-letters', 'list', '--sync-run', 'x'],
      "truc: tuỳ chọn --sync-run <id>: giá trị 'x' không hợp lệ, cần một số nguyên dương / " +
        "option '--sync-run <id>' argument 'x' is invalid. a positive integer",
    ],
    [
      ['dead-letters', 'list', '--sync-run', '0'],
      "truc: tuỳ chọn --sync-run <id>: giá trị '0' không hợp lệ, cần một số nguyên dương / " +
        "option '--sync-run <id>' argument '0' is invalid. a positive integer",
    ],
    // fixes26a: a filter of a closed set refuses a value outside it (was: an empty list, read as "none").
    [
      ['dead-letters', 'list', '--queue', 'ingestt'],
      "truc: tuỳ chọn --queue <queue>: giá trị 'ingestt' không hợp lệ, cần một trong change-purge, ingest, pcgd, pull, ",
    ],
    [
      ['dead-letters', 'list', '--code', 'ERR_NOPE'],
      "truc: tuỳ chọn --code <code>: giá trị 'ERR_NOPE' không hợp lệ, cần một trong ",
    ],
    [
      ['dead-letters', 'replay', '--queue', 'push.smass'],
      "truc: tuỳ chọn --queue <queue>: giá trị 'push.smass' không hợp lệ, cần một trong ",
    ],
    [
      ['school-systems', 'list', '--system', 'smass'],
      "truc: tuỳ chọn --system <name>: giá trị 'smass' không hợp lệ, cần một trong smas, vnedu / " +
        "option '--system <name>' argument 'smass' is invalid. one of smas, vnedu",
    ],
    [
      ['dead-letters', 'replay', '--all', '--mapping', 'old'],
      "truc: tuỳ chọn --mapping <choice>: giá trị 'old' không hợp lệ, cần current hoặc pinned / option",
    ],
    [
      ['sim', 'smas', '--port', '70000'],
      "truc: tuỳ chọn --port <port>: giá trị '70000' không hợp lệ, cần một số nguyên từ 0 đến 65535 / " +
        "option '--port <port>' argument '70000' is invalid. an integer from 0 to 65535",
    ],
    [['sim', 'smas', '--faults', '{"bogus":1}'], 'truc: --faults: không hợp lệ / --faults: '],
    [['sim', 'smas', '--faults', 'nope'], 'truc: --faults: một đối tượng JSON, ví dụ'],
    [
      ['sim', 'smas', '--persons', 'x.jsonl'],
      'truc: --persons: chỉ dùng cho moet-pcgd / --persons: only for',
    ],
    [['sync', 'run', 'nowhere', 'students'], 'truc: hệ thống "nowhere": phải là một trong hcm-csdl'],
    [
      ['sync', 'run', 'smas', 'persons'],
      'truc: smas không có người trong điều tra PCGD (persons) để kéo / smas has no persons to pull',
    ],
    [
      ['sync', 'run', 'moet-pcgd', 'persons'],
      'truc: moet-pcgd kéo người trong điều tra PCGD (persons) theo từng xã: --scope là mã xã',
    ],
    [
      ['pcgd', 'compute', '123'],
      'truc: đơn vị (unit): mã xã 5 chữ số hoặc mã tỉnh 2 chữ số / unit: a 5-digit',
    ],
    [['pcgd', 'compute', '79001', '--communes'], 'truc: --communes: cần mã tỉnh 2 chữ số / --communes'],
    // fix32a: the API's one rule of report years (src/reporting/pcgd/years.ts), in its words.
    [
      ['pcgd', 'compute', '79001', '--year', '2013'],
      "truc: tuỳ chọn --year <year>: giá trị '2013' không hợp lệ, cần năm báo cáo 2013 trước năm đầu tiên truc biết",
    ],
    [['pcgd', 'compute', '79001', '--year', '2099'], 'năm báo cáo 2099 chưa bắt đầu'],
    [
      ['pcgd', 'approve', 'x'],
      'truc: mã báo cáo (reportId): một số nguyên dương / reportId: a positive integer',
    ],
    [
      ['pcgd', 'verify', '/nonexistent/package.json'],
      'truc: không có tệp /nonexistent/package.json / no such',
    ],
    // walk10 W10-8: a report's forms are no package: said so, not "no such file: …/package.p7s"
    [['pcgd', 'verify', FORMS], `truc: ${FORMS}: không phải tệp gói (…package.json) và không có --signature`],
    // review11: a folder named as a file was "lỗi không mong đợi / unexpected error: EISDIR", exit 1
    [
      ['pcgd', 'verify', dirname(FORMS), '--signature', FORMS, '--certificate', FORMS],
      `truc: ${dirname(FORMS)}: là một thư mục, không phải tệp / ${dirname(FORMS)}: a folder, not a file`,
    ],
    [
      ['pcgd', 'verify', FORMS, '--signature', FORMS, '--certificate', dirname(FORMS)],
      `truc: ${dirname(FORMS)}: là một thư mục, không phải tệp / ${dirname(FORMS)}: a folder, not a file`,
    ],
  ])('bad usage %j: exit 2, the reason first in both languages, nothing started', async (argv, first) => {
    const e = await truc(...argv);
    expect(e.code).toBe(2);
    expect(e.stdout).toBe('');
    const [line, help] = e.stderr.split('\n');
    expect(line).toContain(first);
    expect(line).toContain(' / ');
    expect(help).toMatch(/^Xem 'truc[^']*--help'\. \/ See 'truc[^']*--help'\.$/);
    expect(started).toEqual([]);
  });

  // review35b F6: a wrong --code listed every code (3 KB); now the closest few and where all are listed.
  it.each([
    ['list', 'ERR_NOT_FOND', 'ERR_NOT_FOUND'],
    ['replay', 'err_validaton', 'ERR_VALIDATION'],
    ['list', 'SCHEMA', 'ERR_SCHEMA_PENDING'],
  ])(
    'dead-letters %s --code %s: the closest codes (%s first) and docs/errors.md, one short line',
    async (cmd, code, first) => {
      const e = await truc('dead-letters', cmd, '--code', code);
      expect(e.code).toBe(2);
      const [line] = e.stderr.split('\n');
      expect(line!.length).toBeLessThan(400);
      expect(line).toContain(`gần nhất: ${first}, `);
      expect(line).toContain(`closest: ${first}, `);
      expect(line).toContain('(tất cả: docs/errors.md)');
      expect(line).toContain('(all of them: docs/errors.md)');
      expect(line).not.toContain('ERR_WEBHOOK_URL');
      expect(started).toEqual([]);
    },
  );

  // fix33c: a well-formed code of no current commune said first that its persons were never pulled, then a progress
  // line "0 units … failed", then the unit's refusal; it is refused before anything is opened now.
  it('pcgd compute of a code no current commune has: exit 1, ERR_PCGD_UNKNOWN_UNIT alone, nothing opened', async () => {
    const e = await truc('pcgd', 'compute', '99999');
    expect(e.code).toBe(1);
    expect(e.stderr).toBe(
      'truc: ERR_PCGD_UNKNOWN_UNIT: Mã đơn vị không phải mã xã (5 chữ số) hoặc mã tỉnh (2 chữ số) hiện hành: ' +
        'đơn vị 99999 không phải một xã hay tỉnh hiện hành / ' +
        'The unit code is not a current commune (5 digits) or province (2 digits) code: ' +
        'unit 99999 is not a current commune or province\n',
    );
    expect(ops.withDb).not.toHaveBeenCalled();
  });

  it('a command that fails (the audit chain is broken): exit 1, its line on stderr', async () => {
    vi.mocked(ops.withDb).mockResolvedValueOnce({ ok: false, rows: 1, brokenAt: 2, reason: 'hash' });
    const e = await truc('audit', 'verify');
    expect(e.code).toBe(1);
    expect(e.stderr).toBe(
      'nhật ký kiểm toán BỊ HỎNG tại dòng 2 (hash); 1 dòng trước đó đúng / audit BROKEN at row 2 (hash); 1 row before it verifies\n',
    );
  });

  it('a command that succeeds: exit 0, its output on stdout', async () => {
    vi.mocked(ops.withDb).mockResolvedValueOnce({ ok: true, rows: 3, head: 'ab' });
    const e = await truc('audit', 'verify');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toBe('nhật ký kiểm toán OK: 3 dòng, mã băm cuối ab / audit OK: 3 rows, head ab\n');
  });

  it('dead-letters list reads those not yet replayed, says so when there are none, --include-replayed reads all', async () => {
    const sql: string[] = [];
    const db = {
      query: vi.fn(async (text: string) => {
        sql.push(text);
        return { rows: [] };
      }),
    };
    const withFake = (_config: unknown, fn: (d: typeof db) => unknown) => fn(db);
    vi.mocked(ops.withDb).mockImplementationOnce(withFake as never);
    const open = await truc('dead-letters', 'list');
    expect(open.code).toBe(0);
    expect(open.stderr).toBe(
      'không có việc lỗi nào chưa chạy lại (--include-replayed: cả việc đã chạy lại) / ' +
        'no dead letters not yet replayed (--include-replayed lists the replayed ones too)\n',
    );
    const listed = () => sql.filter((q) => q.includes('ORDER BY')).at(-1);
    expect(listed()).toContain('replayed_at IS NULL');
    vi.mocked(ops.withDb).mockImplementationOnce(withFake as never);
    const all = await truc('dead-letters', 'list', '--include-replayed');
    expect(all.stderr).toBe('không có việc lỗi nào / no dead letters\n');
    expect(listed()).not.toContain('replayed_at IS NULL');
  });

  it('dead-letters replay that matches nothing not yet replayed says why', async () => {
    vi.mocked(ops.withDb).mockResolvedValueOnce({
      replayed: [],
      mapping: 'pinned',
      items: [],
      closed: [],
      skipped: [],
      notReplayed: [],
    });
    const e = await truc('dead-letters', 'replay', '--queue', 'ingest', '--mapping', 'pinned');
    expect(e.code).toBe(0);
    expect(e.stdout).toBe(
      'đã chạy lại 0 (ánh xạ: pinned, phiên bản lần chạy đầu) / replayed 0 (mapping: pinned)\n',
    );
    expect(e.stderr).toMatch(
      /^không có việc lỗi nào chưa chạy lại khớp bộ lọc .* \/ no dead letter not yet replayed matches/,
    );
  });

  // review26a F2: a letter of a job the scheduler queued is closed without a replay, and the line says so.
  it('dead-letters replay says which letters it closed without a replay', async () => {
    vi.mocked(ops.withDb).mockResolvedValueOnce({
      replayed: [],
      mapping: 'current',
      items: [],
      closed: [9],
      notReplayed: [],
    });
    const e = await truc('dead-letters', 'replay', '--ids', '9');
    expect(e.code).toBe(0);
    expect(e.stdout.trim().split('\n')[1]).toMatch(
      /^đã đóng 1 không chạy lại \(9\): .* \/ closed 1 without a replay \(9\): jobs the scheduler queued/,
    );
    expect(e.stderr).toBe('');
  });

  it('an invalid input refused by the command (AppError ERR_VALIDATION): exit 2, one line', async () => {
    vi.mocked(ops.withDb).mockRejectedValueOnce(new AppError('ERR_VALIDATION', '--role: one of …'));
    const e = await truc('clients', 'add', '--name', 'X', '--role', 'boss');
    expect(e.code).toBe(2);
    expect(e.stderr.trim().split('\n')).toEqual([
      'truc: ERR_VALIDATION: Dữ liệu gửi lên không hợp lệ. / The request is not valid.: --role: one of …',
    ]);
  });

  // review10: a detail naming its field in each half (src/ops.ts addClient) named it twice in English.
  it('a bilingual detail naming its field in each language: the field once in each', async () => {
    const detail = '--role: một trong vendor, auditor / --role: one of vendor, auditor';
    vi.mocked(ops.withDb).mockRejectedValueOnce(new AppError('ERR_VALIDATION', detail));
    const e = await truc('clients', 'add', '--name', 'X', '--role', 'boss');
    expect(e.stderr.trim().split('\n')).toEqual([
      'truc: ERR_VALIDATION: Dữ liệu gửi lên không hợp lệ: --role: một trong vendor, auditor / ' +
        'The request is not valid: --role: one of vendor, auditor',
    ]);
  });

  it('any other error: exit 1, one line', async () => {
    vi.mocked(ops.withDb).mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    const e = await truc('dead-letters', 'list');
    expect(e.code).toBe(1);
    expect(e.stderr).toBe(
      'truc: lỗi không mong đợi: connect ECONNREFUSED 127.0.0.1:1 / unexpected error: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('a broken configuration: exit 2', async () => {
    vi.stubEnv('LOG_LEVEL', 'loud');
    try {
      const e = await truc('migrate');
      expect(e.code).toBe(2);
      expect(e.stderr).toMatch(/^truc: .*invalid configuration/);
      expect(started).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
