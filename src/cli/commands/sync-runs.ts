/**
 * `truc sync list | show <id>`: the sync runs a city admin would read at GET /v1/syncs, filtered the same
 * way, through the same store read (sync-run-reads.ts `list`) and the API's own view of a listed run
 * (`--json` prints that view, as the API answers it).
 */
import {
  countEn,
  ENTITY_NAMES,
  SYSTEM_NAMES,
  loadConfig,
  type EntityName,
  type SystemName,
} from '../../config.js';
import type { listedView as listedViewOf, shownView as shownViewOf } from '../../api/routes/sync-run-view.js';
import type { SyncRunStatus } from '../../store/sync-run-reads.js';
import {
  badValue,
  both,
  choice,
  defineCommand,
  int,
  notFound,
  positiveId,
  runs,
  UsageError,
  vnTime,
} from '../kit.js';
import { actorText, ENTITY_VI, RECONCILE_NOTE_VI, RECONCILE_VI, RUN_STATUS_VI, viOf } from './words.js';

/** A listed run as the API shows it (src/api/routes/sync-run-view.ts `listedView`). */
type Listed = ReturnType<typeof listedViewOf>;
type Shown = ReturnType<typeof shownViewOf>;

const STATUSES: readonly SyncRunStatus[] = ['queued', 'running', 'held', 'done', 'failed'];

/**
 * `--from` / `--to`: a day (`2026-12-04`, its 00:00 in Vietnam) or an ISO time with its offset, read by the
 * API's own rule (src/api/query.ts `timeRangeQuery`), so the CLI and GET /v1/syncs take the same text.
 */
async function instantOf(option: string, value: string | undefined): Promise<Date | undefined> {
  if (value === undefined) return undefined;
  const { timeRangeQuery } = await import('../../api/query.js');
  const parsed = timeRangeQuery().from.safeParse(value);
  if (parsed.success && parsed.data) return new Date(parsed.data);
  throw new UsageError(
    both(
      `${option} "${value}": cần một ngày YYYY-MM-DD (00:00 giờ Việt Nam) hoặc giờ ISO 8601 có múi giờ`,
      `${option} "${value}": a day YYYY-MM-DD (its 00:00 in Vietnam) or an ISO 8601 time with its offset`,
    ),
  );
}

/** `--from`'s raw text: a first look only (the full rule is {@link instantOf}'s). */
function dayOrTime(value: string): string {
  if (value.trim() === '') throw badValue('một ngày hoặc một thời điểm', 'a day or a time');
  return value;
}

/** A run's scope in words: a school or commune code, or everything its system serves. */
const scopeOf = (r: Listed) =>
  r.scope === null ? { vi: 'tất cả', en: 'all' } : { vi: `phạm vi ${r.scope}`, en: `scope ${r.scope}` };

/** Why a run is full, in words (none for an incremental run, or a full run from before it was kept). */
function fullWhy(r: Listed): { vi: string; en: string } {
  if (r.fullBecause === 'no_watermark')
    return { vi: ' vì chưa có mốc đồng bộ', en: ' for lack of a watermark' };
  if (r.fullBecause === 'requested') return { vi: ' theo yêu cầu', en: ' as requested' };
  return { vi: '', en: '' };
}

/** What a queued or running run waits on, in words ('' when nothing): its system's paused gate. */
export function waitingWords(w: Listed['waiting']): { vi: string; en: string } {
  if (!w) return { vi: '', en: '' };
  const since = w.since
    ? { vi: ` từ ${vnTime(w.since)}`, en: ` since ${vnTime(w.since)}` }
    : { vi: '', en: '' };
  const until = vnTime(w.until);
  if (w.reason === 'circuit-open')
    return {
      vi: `chờ ${w.system}: cầu dao mở${since.vi}, thử lại lúc ${until}`,
      en: `waiting on ${w.system}: circuit open${since.en}, next probe at ${until}`,
    };
  if (w.reason === 'probe')
    return {
      vi: `chờ ${w.system}: đang thử lại (cầu dao mở${since.vi}), đến ${until}`,
      en: `waiting on ${w.system}: a probe in flight (circuit open${since.en}), until ${until}`,
    };
  return {
    vi: `chờ ${w.system}: hệ thống yêu cầu chờ (Retry-After) đến ${until}`,
    en: `waiting on ${w.system}: it asked to wait (Retry-After) until ${until}`,
  };
}

/** One line per listed run. */
function runLine(r: Listed): string {
  const s = scopeOf(r);
  const why = fullWhy(r);
  const full = r.incremental ? { vi: '', en: '' } : { vi: `, kéo toàn bộ${why.vi}`, en: `, full${why.en}` };
  const w = waitingWords(r.waiting);
  const waiting = r.waiting ? { vi: ` (${w.vi})`, en: ` (${w.en})` } : { vi: '', en: '' };
  const error = r.errorCode
    ? { vi: `, lỗi ${r.errorCode}`, en: `, error ${r.errorCode}` }
    : { vi: '', en: '' };
  const c = r.counts;
  const who = actorText(r.requestedBy, r.requestedById);
  return both(
    `lượt ${r.syncRunId} ${r.system} ${viOf(ENTITY_VI, r.entity)} (${s.vi}${full.vi}) ${viOf(RUN_STATUS_VI, r.status)}${waiting.vi}, tạo ${vnTime(r.createdAt)} bởi ${who}, ` +
      `${r.durationSeconds} s: ${r.records} bản ghi, ${c.accepted} nhận, ${c.rejected} từ chối, ${c.unchanged} không đổi${error.vi}`,
    `run ${r.syncRunId} ${r.system} ${r.entity} (${s.en}${full.en}) ${r.status}${waiting.en}, created ${vnTime(r.createdAt)} by ${who}, ` +
      `${r.durationSeconds} s: ${countEn(r.records, 'record')}, ${c.accepted} accepted, ${c.rejected} rejected, ${c.unchanged} unchanged${error.en}`,
  );
}

/** `truc sync show`'s first lines: which run, full or not and why, its status and what it waits on. */
function headLines(r: Listed): string[] {
  const s = scopeOf(r);
  const why = fullWhy(r);
  const full = r.incremental
    ? { vi: 'theo mốc', en: 'incremental' }
    : { vi: `kéo toàn bộ${why.vi}`, en: `full${why.en}` };
  const finished = r.finishedAt
    ? { vi: `, xong ${vnTime(r.finishedAt)}`, en: `, finished ${vnTime(r.finishedAt)}` }
    : { vi: ', chưa xong', en: ', not finished' };
  const w = waitingWords(r.waiting);
  const who = actorText(r.requestedBy, r.requestedById);
  return [
    both(
      `lượt đồng bộ ${r.syncRunId}: ${r.system} ${viOf(ENTITY_VI, r.entity)}, ${s.vi}, ${full.vi}`,
      `sync run ${r.syncRunId}: ${r.system} ${r.entity}, ${s.en}, ${full.en}`,
    ),
    both(
      `  trạng thái: ${viOf(RUN_STATUS_VI, r.status)}, tạo ${vnTime(r.createdAt)} bởi ${who}${finished.vi}, ${r.durationSeconds} s`,
      `status: ${r.status}, created ${vnTime(r.createdAt)} by ${who}${finished.en}, ${r.durationSeconds} s`,
    ),
    ...(r.waiting ? [both(`  ${w.vi}`, w.en)] : []),
  ];
}

/** Where the run's changes stand at one target (runs item 1): records delivered, pending, failed and why. */
function deliveryLine(d: Listed['deliveries'][number]): string {
  const refused =
    d.rejected > 0 ? { vi: ` (${d.rejected} bị từ chối)`, en: ` (${d.rejected} refused)` } : null;
  const code = d.errorCode ? ` (${d.errorCode})` : '';
  return both(
    `  giao tới ${d.system}: ${d.delivered} bản ghi đã giao${refused?.vi ?? ''}, ${d.pending} đang chờ, ${d.failed} thất bại${code}`,
    `delivery to ${d.system}: ${countEn(d.delivered, 'record')} delivered${refused?.en ?? ''}, ${d.pending} pending, ${d.failed} failed${code}`,
  );
}

/** Where a run's rejected records' findings are: a line per batch that rejected some (walk8 W8-3). */
function rejectedLines(r: Shown): string[] {
  const more = r.counts.rejected - r.rejectedBatches.reduce((n, b) => n + b.rejected, 0);
  return [
    ...r.rejectedBatches.map((b) =>
      both(
        `  lô ${b.batchId}: ${b.rejected} bản ghi bị từ chối, lý do: GET ${b.findingsUrl}`,
        `batch ${b.batchId}: ${countEn(b.rejected, 'record')} rejected, why: GET ${b.findingsUrl}`,
      ),
    ),
    ...(more > 0
      ? [
          both(
            `  và ${more} bản ghi bị từ chối ở các lô khác`,
            `and ${countEn(more, 'record')} rejected in other batches`,
          ),
        ]
      : []),
  ];
}

/** `truc sync show`'s lines: what the run did, with what mapping, how long, and what went wrong. */
function showLines(r: Shown, holdId: number | undefined): string[] {
  const c = r.counts;
  const e = r.errors;
  const lines = [
    ...headLines(r),
    both(
      `  phiên bản ánh xạ: ${r.mappingVersion ?? 'không có'}`,
      `mapping version: ${r.mappingVersion ?? 'none'}`,
    ),
    both(
      `  ${r.records} bản ghi trong ${r.pages} trang, ${r.tombstones} bản ghi xoá; nhận ${c.accepted}, từ chối ${c.rejected}, không đổi ${c.unchanged}`,
      `${countEn(r.records, 'record')} in ${countEn(r.pages, 'page')}, ${countEn(r.tombstones, 'tombstone')}; accepted ${c.accepted}, rejected ${c.rejected}, unchanged ${c.unchanged}`,
    ),
  ];
  if (r.reconcile !== null)
    lines.push(
      both(
        `  đối soát: ${viOf(RECONCILE_VI, r.reconcile)}, xoá ${r.reconciled}${r.reconcileNote ? ` (${viOf(RECONCILE_NOTE_VI, r.reconcileNote)}: ${r.reconcileNote})` : ''}`,
        `reconciliation: ${r.reconcile}, deleted ${r.reconciled}${r.reconcileNote ? ` (${r.reconcileNote})` : ''}`,
      ),
    );
  const wrong = e.errorCode !== null || e.failedBatches > 0 || e.rejectedRecords > 0 || e.deadLetters > 0;
  lines.push(
    wrong
      ? both(
          `  lỗi: ${e.errorCode ?? 'không có mã'}; ${e.failedBatches} trên ${e.batches} lô thất bại, ` +
            `${e.rejectedRecords} bản ghi bị từ chối, ${e.deadLetters} việc lỗi chưa chạy lại`,
          `errors: ${e.errorCode ?? 'no code'}; ${e.failedBatches} of ${countEn(e.batches, 'batch', 'batches')} failed, ` +
            `${countEn(e.rejectedRecords, 'record')} rejected, ${countEn(e.deadLetters, 'open dead letter')}`,
        )
      : both('  lỗi: không có', 'errors: none'),
  );
  lines.push(...rejectedLines(r), ...r.deliveries.map(deliveryLine));
  if (r.unstableSchools.length > 0)
    lines.push(
      both(
        `  trường có danh sách thay đổi lúc đọc (đối soát không xoá gì của các trường này): ${r.unstableSchools.join(', ')}`,
        `schools whose listing kept changing (the reconciliation deletes nothing of them): ${r.unstableSchools.join(', ')}`,
      ),
    );
  if (holdId !== undefined)
    lines.push(
      both(
        `  bị bộ chặn thay đổi hàng loạt giữ lại: lệnh giữ ${holdId} (truc holds show ${holdId})`,
        `held by the mass-change guard: hold ${holdId} (truc holds show ${holdId})`,
      ),
    );
  return lines.map((l) => `${l}\n`);
}

interface ListOptions {
  system?: SystemName;
  entity?: EntityName;
  status?: SyncRunStatus;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
  json?: boolean;
}

/** `--from` and `--to` as instants; a `--from` not before its `--to` could only list nothing (review33a F7). */
async function rangeOf(o: ListOptions): Promise<{ from: Date | undefined; to: Date | undefined }> {
  const from = await instantOf('--from', o.from);
  const to = await instantOf('--to', o.to);
  if (from && to && from >= to)
    throw new UsageError(
      both(
        '--from không trước --to (--to không tính: một ngày D là --from D --to D+1)',
        '--from is not before --to (--to is exclusive: one day D is --from D --to D+1)',
      ),
    );
  return { from, to };
}

export const syncListCommand = () =>
  runs<ListOptions>(
    defineCommand('list', 'sync runs, newest first, with their counts (as GET /v1/syncs)')
      .option('--system <system>', SYSTEM_NAMES.join(', '), choice(SYSTEM_NAMES))
      .option('--entity <entity>', ENTITY_NAMES.join(', '), choice(ENTITY_NAMES))
      .option('--status <status>', STATUSES.join(', '), choice(STATUSES))
      .option('--from <day>', 'created on or after: a day YYYY-MM-DD (Vietnam) or an ISO time', dayOrTime)
      .option('--to <day>', 'created before: a day YYYY-MM-DD (Vietnam) or an ISO time', dayOrTime)
      .option('--limit <n>', 'at most this many (default 50)', int(1, 500))
      .option('--offset <n>', 'skip this many (default 0)', int(0, 1_000_000))
      .option('--json', 'one JSON object a line, as the API lists them'),
    async (o, _args, out) => {
      const { from, to } = await rangeOf(o);
      const config = loadConfig();
      const { withDb } = await import('../../ops.js');
      const { createSyncRunReads } = await import('../../store/sync-run-reads.js');
      const { listedView } = await import('../../api/routes/sync-run-view.js');
      const limit = o.limit ?? 50;
      const offset = o.offset ?? 0;
      const page = await withDb(config, (db) =>
        createSyncRunReads(db).list({
          system: o.system,
          entity: o.entity,
          status: o.status,
          from,
          to,
          limit,
          offset,
        }),
      );
      const items = page.items.map((r) => listedView(r, config.sync.delivery));
      if (o.json) {
        for (const r of items) out.stdout(`${JSON.stringify(r)}\n`);
        return 0;
      }
      if (items.length === 0) {
        out.stderr(`${both('không có lượt đồng bộ nào khớp', 'no sync run matches')}\n`);
        return 0;
      }
      out.stdout(
        `${both(
          `${items.length} trên ${page.total} lượt đồng bộ, mới nhất trước`,
          `${items.length} of ${countEn(page.total, 'sync run')}, newest first`,
        )}\n`,
      );
      for (const r of items) out.stdout(`  ${runLine(r)}\n`);
      if (offset + items.length < page.total)
        out.stdout(
          `${both(
            `còn nữa: --offset ${offset + items.length}`,
            `more: --offset ${offset + items.length}`,
          )}\n`,
        );
      return 0;
    },
  );

export const syncShowCommand = () =>
  runs<{ json?: boolean }>(
    defineCommand(
      'show',
      'one sync run: counts per outcome, duration, mapping version, errors (and its hold, if held)',
    )
      .argument('<id>', 'the sync run id', positiveId)
      .option('--json', 'the run as one JSON object, as the API lists it'),
    async (o, [idArg], out) => {
      const id = positiveId(idArg!);
      const config = loadConfig();
      const { withDb } = await import('../../ops.js');
      const { createSyncRunReads } = await import('../../store/sync-run-reads.js');
      const { createGuardHoldsRepo } = await import('../../store/guard-holds.js');
      const { REJECTED_BATCHES_SHOWN, shownView } = await import('../../api/routes/sync-run-view.js');
      const found = await withDb(config, async (db) => {
        const reads = createSyncRunReads(db);
        const [run] = (await reads.list({ id, limit: 1, offset: 0 })).items;
        if (!run) return undefined;
        const rejected =
          run.rejected > 0
            ? await reads.rejectedBatches(id, REJECTED_BATCHES_SHOWN)
            : { items: [], total: 0 };
        return { run, rejected, hold: await createGuardHoldsRepo(db).heldOfRun(id) };
      });
      if (!found) throw notFound({ vi: 'lượt đồng bộ', en: 'sync run' }, id);
      const r = shownView(found.run, config.sync.delivery, found.rejected);
      if (o.json) out.stdout(`${JSON.stringify(r)}\n`);
      else for (const line of showLines(r, found.hold?.id)) out.stdout(line);
      return 0;
    },
  );
