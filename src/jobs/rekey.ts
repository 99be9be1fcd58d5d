/**
 * A provisional student code re-keyed (review30 F3; DOMAIN §3.2): a new pupil is keyed `TAM-<12-digit personal ID>`
 * until the Ministry issues its code, and its school re-keys it by personal ID later. A student a batch writes under
 * a sector code (not `TAM-`), with a personal ID, at a school where it is not live under that code yet, takes over
 * the live record `TAM-<that personal ID>` of that very school whose stored personal ID is that one: the provisional
 * record is deleted in the batch's transaction, before the new one is written (the change feed: a delete of the
 * `TAM-` key, then a create of the sector code), its deletion sent to every target that holds students (the city
 * database deletes the `TAM-` key and creates the new one), the record carries the finding {@link REKEYED} and the
 * batch's audit entry the keys it wrote so. Any batch that writes students: a vendor's delta or snapshot, a page
 * pulled from the city database or a school's own system. Never across schools, never a provisional record whose
 * stored personal ID is another, never a record under a sector code (that is a second record of one person:
 * SACH_DUPLICATE_PERSONAL_ID_STORED, ../quality/rules/sach-duplicates.ts, which leaves a re-keyed holder alone).
 * The mass-change guard weighs a re-key as a change of the pupil's record, not as a deletion (./guard.ts): the pupil
 * stays, one live record for one.
 */
import { isProvisionalStudentCode, provisionalStudentCode } from '../canonical/student.js';
import type { Finding } from '../quality/index.js';
import type { Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { liveProvisional } from '../store/record-provisional.js';
import { createRecordsRepo, type ExistingRow } from '../store/records.js';
import type { WorkerContext } from './context.js';
import { sendDeletes } from './deletes.js';
import { withFindings } from './judge-rows.js';
import type { Checked, Plan } from './judge.js';

/** Re-keys of a batch: by the key written, the provisional key it takes over. */
export type Rekeys = ReadonlyMap<string, string>;

/**
 * The finding on a record that took over a provisional record: reported by the write itself, not by the quality
 * engine's checks (not in the rule catalogue); information, never a refusal. No value (the provisional code holds
 * the personal ID).
 */
export const REKEYED = {
  code: 'SACH_PROVISIONAL_REKEYED',
  message: {
    vi: 'Bản ghi này thay hồ sơ mã tạm TAM-<số định danh> của cùng học sinh ở trường (cùng số định danh): hồ sơ mã tạm được xóa, lịch sử của nó vẫn giữ.',
    en: 'This record takes over the pupil’s provisional record TAM-<personal ID> at the school (same personal ID): the provisional record is deleted, its history kept.',
  },
  hint: {
    vi: 'Không cần làm gì; từ nay gửi học sinh bằng mã này.',
    en: 'Nothing to do; send the pupil under this code from now on.',
  },
} as const;

/**
 * The re-keys a plan's writes make: students written under a sector code with a personal ID, not live at their school
 * under that code already, whose `TAM-<personal ID>` is live at that school with that personal ID. Read from the
 * scope holders' lookup the checks made (`checked.scopeHolders`: the live records of each record's school holding its
 * personal ID under another key), with no statement of its own; else (the checks did not ask it: the city's policy has
 * the stored duplicate rule off) one read by primary key, only when a record written could make one.
 */
export async function rekeysOf(
  q: Queryable,
  entity: string,
  toWrite: Plan['toWrite'],
  checked: Pick<Checked, 'existing' | 'scopeHolders'>,
): Promise<Rekeys> {
  if (entity !== 'students') return new Map();
  const heard = checked.scopeHolders;
  // With the holders heard, a personal ID no live record holds elsewhere has nothing to take over: asked of no
  // record (issue 7: a first sync hears none, and built an ask for each of its records, ~1.25 % of a page's CPU).
  if (heard?.size === 0) return new Map();
  const asks: { key: string; school: string; personalId: string; by: string }[] = [];
  for (const r of toWrite) {
    const id = r.personalId;
    if (id === undefined || (heard && !heard.has(id))) continue;
    if (!/^\d{12}$/.test(id) || isProvisionalStudentCode(r.key)) continue;
    const prior = checked.existing.get(r.key);
    if (prior && !prior.deleted && prior.scope === r.scope) continue;
    asks.push({ key: provisionalStudentCode(id), school: r.scope, personalId: id, by: r.key });
  }
  if (asks.length === 0) return new Map();
  const live = heard
    ? new Set(
        asks
          .filter((a) => heard.get(a.personalId)?.some((h) => h.key === a.key && h.schoolCode === a.school))
          .map((a) => a.key),
      )
    : await liveProvisional(q, asks);
  const out = new Map<string, string>();
  // One provisional record is taken over once (two records of one ID in a batch: the in-batch rule refuses the second).
  const taken = new Set<string>();
  for (const a of asks) {
    if (!live.has(a.key) || taken.has(a.key)) continue;
    taken.add(a.key);
    out.set(a.by, a.key);
  }
  return out;
}

/**
 * The stored copies as the guard weighs a batch's writes (./guard.ts `batchEntries`, `arrivalsOf`): a record that
 * takes over a provisional one stands in for it, a change of a live record of its school (neither an arrival nor,
 * its provisional record's deletion, a deletion).
 */
export function asGuardWeighs(
  existing: ReadonlyMap<string, ExistingRow>,
  rekeys: Rekeys,
  toWrite: Plan['toWrite'],
): ReadonlyMap<string, ExistingRow> {
  if (rekeys.size === 0) return existing;
  const out = new Map(existing);
  for (const r of toWrite) {
    const taken = rekeys.get(r.key);
    if (taken !== undefined)
      out.set(r.key, { key: taken, scope: r.scope, fingerprint: '', deleted: false, sourceFp: null });
  }
  return out;
}

/** `checked` with the finding {@link REKEYED} on each record (by index) that took over a provisional record. */
export function withRekeyFindings(checked: Checked, rekeys: Rekeys): Checked {
  if (rekeys.size === 0) return checked;
  const added: Finding[] = [];
  const seen = new Set<string>();
  checked.records.forEach((rec, index) => {
    if (rec === undefined || checked.rejected.has(index) || !rekeys.has(rec.key) || seen.has(rec.key)) return;
    seen.add(rec.key);
    added.push({
      index,
      rule: REKEYED.code,
      criterion: 'sach',
      severity: 'info',
      pointer: '/studentCode',
      vi: REKEYED.message.vi,
      en: REKEYED.message.en,
      hintVi: REKEYED.hint.vi,
      hintEn: REKEYED.hint.en,
    });
  });
  return withFindings(checked, added);
}

/**
 * Deletes the provisional records `rekeys` take over, in the batch's transaction before its records are written,
 * and sends their deletion to every target that holds students (./deletes.ts `sendDeletes`: the city database
 * deletes the `TAM-` key; the new code reaches it as any change). Deleted whatever word it holds (a vendor's later
 * batch that wrote it, ingested first): the new record is written in any case, and one pupil keeps one live record;
 * the deletion is a word of now (an older batch ingested later does not bring it back). Returns the re-keys made (by
 * the key written, the provisional key deleted) and the delete sets queued.
 */
export async function takeOver(
  q: Queryable,
  ctx: Pick<WorkerContext, 'routes' | 'targets'>,
  batch: Pick<Batch, 'id' | 'format'>,
  change: { rekeys: Rekeys; trusted: boolean; sourceSystem: string },
): Promise<{ rekeyed: Rekeys; pushSets: number[] }> {
  const { rekeys, trusted, sourceSystem } = change;
  if (rekeys.size === 0) return { rekeyed: rekeys, pushSets: [] };
  const deleted = new Set(await createRecordsRepo(q).tombstone('students', [...rekeys.values()]));
  const rekeyed = new Map([...rekeys].filter(([, provisional]) => deleted.has(provisional)));
  const pushSets = await sendDeletes(q, ctx, {
    entity: 'students',
    keys: [...deleted],
    sourceSystem,
    ...(trusted ? {} : { format: batch.format }),
    batchId: batch.id,
  });
  return { rekeyed, pushSets };
}
