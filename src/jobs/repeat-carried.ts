/**
 * What vendors' unchanged re-pushes carried (review17 B2). A re-push of a body pushed before, judged
 * unchanged at once (./ingest-repeat.ts: issue 7's fast path), writes no record, so it leaves no "seen"
 * on the records it carries; its batch row says it carried its holder's body at its school when it was
 * judged. Those who ask "was this record carried unchanged by a batch since then?" (a snapshot's omissions,
 * an approved hold's deletions or older copies) add the keys of those bodies: read and mapped only then,
 * once per body (a repeat is accepted only while nothing of its school changed since the body was judged).
 */
import type { EntityName } from '../config.js';
import { AppError, both } from '../errors.js';
import { createBatchesRepo } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { bodiesRepushedSince } from '../store/repeats.js';
import { inboundMapping } from './inbound.js';
import { map, type JudgeContext } from './judge.js';

const purgedBody = (holder: string) =>
  both(
    `các bản ghi của lô ${holder}, mà một lô gửi lại trỏ tới, đã bị xoá`,
    `the records of batch ${holder}, which a re-push points at, were purged`,
  );

/**
 * The keys of `entity` that vendors' delta re-pushes judged since `since` carried at `schools`, each with the
 * formats of the bodies that carried it (a body in a school system's format: that system's copy, noted as
 * received when the body was first judged).
 */
export async function carriedByRepushes(
  q: Queryable,
  deps: JudgeContext,
  entity: EntityName,
  schools: readonly string[],
  since: Date,
  /** Filled, when given, with each key's latest re-push carrying it (an approved hold's kept records: ./guard-kept.ts). */
  by?: Map<string, { batchId: string; at: Date }>,
): Promise<Map<string, Set<string>>> {
  const carried = new Map<string, Set<string>>();
  const bodies = await bodiesRepushedSince(q, entity, [...new Set(schools)], since);
  const batches = createBatchesRepo(q);
  for (const body of bodies) {
    // A body purged though a re-push of it judged since is read (../store/batch-purge.ts spares it; only a re-push
    // that found it in the instant the purge removed it meets this): what it carried is unknown, so nothing is
    // guessed (no record deleted or left on a wrong reading); the job fails with the code that says why.
    if (body.purged) throw new AppError('ERR_BATCH_RECORDS_PURGED', purgedBody(body.holder));
    const records = await batches.recordsOf(body.holder);
    const mapped = map(
      {
        batch: { format: body.format, records, schoolCode: body.schoolCode },
        entity,
        mapping: inboundMapping(body.format, entity),
        trusted: false,
      },
      deps,
    );
    for (const rec of mapped.records) {
      if (rec === undefined) continue;
      const formats = carried.get(rec.key) ?? new Set<string>();
      carried.set(rec.key, formats.add(body.format));
      const last = by?.get(rec.key);
      if (by && (!last || last.at < body.repushedAt))
        by.set(rec.key, { batchId: body.repushId, at: body.repushedAt });
    }
  }
  return carried;
}
