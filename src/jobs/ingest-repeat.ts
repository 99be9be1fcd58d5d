/**
 * A vendor's unchanged re-push (issue 7): a judged vendor batch leaves the tag of the state it left
 * (migration 098); a batch of the same body bytes, pushed again while that state still holds, is judged
 * the same at once.
 */
import { createHash } from 'node:crypto';
import { appendAudit } from '../audit/chain.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import { CATALOGUE_VERSION } from '../quality/index.js';
import { createBatchesRepo, type Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';
import { PULL_CLIENT } from './contracts.js';
import { inboundMapping, type InboundMapping } from './inbound.js';
import {
  countIngested,
  learnServedSchools,
  type Counts,
  type IngestContext,
  type IngestResult,
} from './ingest-apply.js';
import type { Checked, Loaded, Plan } from './judge.js';

/**
 * The tag of the state a judged vendor batch left (migration 098): the mapping and rule versions, the
 * day in Vietnam (rules read today and the school year) and the digest of the school's live records.
 */
function repeatTag(mapping: InboundMapping, now: Date, digest: string): string {
  return createHash('sha256')
    .update(`${mapping.version}\n${CATALOGUE_VERSION}\n${vietnamDateOf(now)}\n${digest}`)
    .digest('hex');
}

/**
 * The tag a vendor batch leaves for its repeats: a delta batch whose body the API hashed, mapped with the
 * current mapping, every record accepted and still as the batch left it (live in the school with its
 * fingerprint). Null otherwise: a repeat of it is judged in full.
 */
export async function tagAfter(
  q: Queryable,
  deps: Pick<IngestContext, 'now'>,
  loaded: Loaded,
  p: Plan,
  existing: Checked['existing'],
): Promise<string | null> {
  const { batch, mapping, trusted } = loaded;
  if (trusted || batch.bodySha256 === null || batch.mode !== 'delta' || batch.mappingPin !== null)
    return null;
  if (p.rejected > 0 || p.toWrite.length + p.unchangedKeys.length === 0) return null;
  const expected = new Map(p.toWrite.map((r) => [r.key, r.fingerprint]));
  for (const key of p.unchangedKeys) expected.set(key, existing.get(key)!.fingerprint);
  const digest = await createRecordsRepo(q).scopeDigest(loaded.entity, batch.schoolCode, expected);
  return digest === null ? null : repeatTag(mapping, deps.now(), digest);
}

/**
 * A vendor batch of a body pushed before (the same bytes, client and school; the API stored it once)
 * whose last judgment left every record accepted: when the school's live records, the mapping and rule
 * versions and the day are still what that judgment left (its tag), the repeat is judged the same —
 * every record unchanged, the same findings — without reading, mapping or checking a record, and with
 * no record written (issue 7). Anything else (a record changed or deleted since, another day, a snapshot)
 * is judged in full.
 */
export async function repeatUnchanged(
  q: Queryable,
  deps: Pick<IngestContext, 'now' | 'metrics'>,
  batch: Batch,
): Promise<IngestResult | undefined> {
  if (batch.clientId === PULL_CLIENT || batch.mode !== 'delta' || batch.mappingPin !== null) return undefined;
  const batches = createBatchesRepo(q);
  const prior = await batches.repeatOf(batch);
  if (!prior) return undefined;
  const mapping = inboundMapping(batch.format, batch.entity);
  const digest = await createRecordsRepo(q).scopeDigest(batch.entity, batch.schoolCode);
  if (digest === null || repeatTag(mapping, deps.now(), digest) !== prior.repeatTag) return undefined;
  const findings = await batches.copyFindings(prior.id, batch.id);
  const counts: Counts = { accepted: 0, rejected: 0, unchanged: batch.received };
  await learnServedSchools(q, batch.format, [batch.schoolCode], 'batch');
  await batches.finish(batch.id, counts, prior.repeatTag);
  await appendAudit(q, [
    {
      actor: 'system:ingest',
      action: 'batch.ingested',
      subject: `batch:${batch.id}`,
      details: { entity: batch.entity, ...counts, findings, pushSets: [], repeatOf: `batch:${prior.id}` },
    },
  ]);
  countIngested(deps, batch.entity, counts);
  return { ...counts, pushSets: [] };
}
