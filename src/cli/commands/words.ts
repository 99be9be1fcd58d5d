/**
 * The Vietnamese of the words the commands' lines take from the store by their English key: an entity, a sync
 * run's status and its reconciliation's, a schedule fire's outcome, a PCGD-XMC report's status. A line's
 * Vietnamese half reads Vietnamese ({@link viOf}); its English half keeps the key as the API and `--json` show it
 * (review25 N3: `lệnh giữ 3 (run, …) held … 100 students còn hiệu lực`). Codes (systems, error codes, ids) stay.
 */
import { ENTITY_VI } from '../../config.js';
import { OPERATOR_ACTOR } from '../../store/actor-names.js';
import type { FireOutcome } from '../../store/schedules.js';
import type { SyncRunStatus } from '../../store/sync-run-reads.js';

/** The entities, as a count or a list names them (`100 học sinh`): src/config/names.ts, shared with the demo. */
export { ENTITY_VI };

/** A sync run's status as shown ('held' included: its pages' or its reconciliation's hold). */
export const RUN_STATUS_VI: Readonly<Record<SyncRunStatus, string>> = {
  queued: 'đang chờ',
  running: 'đang chạy',
  held: 'bị giữ chờ duyệt',
  done: 'xong',
  failed: 'thất bại',
};

/** A full run's reconciliation. */
export const RECONCILE_VI: Readonly<Record<'queued' | 'held' | 'done', string>> = {
  queued: 'đang chờ',
  held: 'bị giữ chờ duyệt',
  done: 'xong',
};

/** Why a due reconciliation deleted nothing, or what it left (its note, a code: kept beside the words). */
export const RECONCILE_NOTE_VI: Readonly<Record<string, string>> = {
  'unkeyed-records': 'có bản ghi không có mã, không xoá gì',
  'unstable-schools': 'không xoá gì của các trường có danh sách thay đổi lúc đọc',
  superseded: 'một lượt toàn bộ mới hơn quyết định, không xoá gì',
};

/** What a schedule's last fire did (src/store/schedules.ts `FireOutcome`). */
export const FIRE_OUTCOME_VI: Readonly<Record<FireOutcome, string>> = {
  requested: 'đã yêu cầu lượt đồng bộ',
  paused: 'đang tạm dừng, không chạy',
  manual: 'chạy ngay',
  busy: 'lượt trước chưa xong, không yêu cầu lượt mới',
  refused: 'bị từ chối, không chạy',
};

/** A PCGD-XMC report's status (src/reporting/pcgd/status-words.ts, shared with the demo). */
export { REPORT_STATUS_VI } from '../../reporting/pcgd/status-words.js';

/** The Vietnamese of `key` in `words`, or the key itself for one it does not know (a newer store's). */
export const viOf = (words: Readonly<Record<string, string>>, key: string): string =>
  Object.hasOwn(words, key) ? words[key]! : key;

/**
 * Who did something, by name as the API names them (store/actor-names.ts, fix35a, review33c N6), with the client id
 * beside it (a name may be shared): `Sở GDĐT (c-1a2b)`; a CLI operator by name alone (`tran.b`, its id says no more).
 */
export function actorText(name: string | null, id: string | null): string {
  const shown = name ?? id ?? '?';
  return id === null || id === shown || id === `${OPERATOR_ACTOR}${shown}` ? shown : `${shown} (${id})`;
}
