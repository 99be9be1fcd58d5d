/**
 * A vendor's unchanged re-push (issue 7): a judged vendor batch leaves the tag of the state it left
 * (migration 098; ./ingest-finish.ts `tagAfter`); a batch of the same body bytes, pushed again while that
 * state still holds, is judged the same at once — by the API in the transaction that accepts it
 * (./requests.ts `queueBatch`), or by the ingest job for a batch queued without that check.
 * Imports neither the job contracts nor the judging, so that the accepting transaction may use it.
 */
import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/chain.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import { BATCH_FORMATS, VENDOR_ENTITIES } from '../canonical/systems.js';
import type { Metrics } from '../observability/metrics.js';
import { CATALOGUE_VERSION, policyDigest, type QualityConfig } from '../quality/index.js';
import type { AuditEvent } from '../store/audit-log.js';
import { createBatchesRepo, type Batch, type RepeatOf } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';
import { insertUnchangedRepeat, lookUpOrAcceptRepeat, type BodyRepeat } from '../store/repeats.js';
import { inboundMapping } from './inbound.js';
import { countIngested, type Counts } from './ingest-counts.js';
import { learnServedSchools, learnsServedSchools } from './served-schools.js';

/**
 * The tag of a judged vendor batch (migration 098): the mapping and rule versions, the city's quality
 * policy (`config.quality`, which judging reads: severities, deadlines) and the day in Vietnam the batch
 * was judged on (`today`, an ISO date: rules read today and the school year). The school's records are
 * judged apart: whether they changed since the snapshot the judgment kept (migration 280).
 */
export function repeatTag(mappingVersion: string, today: string, quality: QualityConfig): string {
  return createHash('sha256')
    .update(`${mappingVersion}\n${CATALOGUE_VERSION}\n${policyDigest(quality)}\n${today}\n`)
    .digest('hex');
}

/**
 * What judging a repeat needs: the clock (the day is in the tag), the city's quality policy (in the tag)
 * and the metrics it counts in.
 */
export interface RepeatContext {
  readonly now: () => Date;
  readonly config: { readonly quality: QualityConfig };
  readonly metrics: Pick<Metrics, 'recordsIngested'>;
}

/** What a repeat is judged by of its batch (a stored one, or one being accepted). */
export type RepeatCandidate = Pick<
  Batch,
  'id' | 'schoolCode' | 'clientId' | 'entity' | 'format' | 'mode' | 'mappingPin' | 'received' | 'bodySha256'
>;

/** What the caller of {@link repeatUnchanged} knows already, or records with its judgment. */
export interface RepeatOptions {
  /**
   * The last judged batch of the same body, looked up already (the API, with the batch that keeps the
   * body, before reading it: the batch judged then is as good a reference as any later one); null:
   * none; undefined: looked up here.
   */
  judged?: RepeatOf | null;
  /**
   * Audit events recorded before the repeat's batch.ingested, in the same statement, when it is judged
   * (the API's batch.accepted); the caller records them itself otherwise.
   */
  recordFirst?: readonly AuditEvent[];
}

/**
 * A vendor batch of a body pushed before (the same bytes, client and school; the API stored it once)
 * whose last judgment left every record accepted: when the mapping and rule versions and the day are
 * still those of that judgment (its tag) and no record of the school changed since (the snapshot it
 * kept, migration 280: one probe of the change feed), the repeat is judged the same —
 * every record unchanged, the same findings — without reading, mapping or checking a record, and with
 * no record written (issue 7): the batch is done, shows the earlier batch's findings (by reference,
 * migration 170: not copied), its audit entry recorded (off the chain's lock). Anything else (a record changed or deleted since, another day, a snapshot) is
 * judged in full: undefined.
 */
export async function repeatUnchanged(
  q: Queryable,
  deps: RepeatContext,
  batch: RepeatCandidate,
  opts: RepeatOptions = {},
): Promise<Counts | undefined> {
  if (batch.mode !== 'delta' || batch.mappingPin !== null) return undefined;
  const batches = createBatchesRepo(q);
  const prior = opts.judged === undefined ? await batches.repeatOf(batch) : opts.judged;
  if (!prior) return undefined;
  const mapping = inboundMapping(batch.format, batch.entity);
  const tag = repeatTag(mapping.version, vietnamDateOf(deps.now()), deps.config.quality);
  if (tag !== prior.repeatTag) return undefined;
  if (await createRecordsRepo(q).changedSince(batch.entity, batch.schoolCode, prior)) return undefined;
  const { findings } = prior;
  const counts: Counts = { accepted: 0, rejected: 0, unchanged: batch.received };
  await learnServedSchools(q, batch.format, [batch.schoolCode], 'batch');
  await batches.finish(batch.id, counts, {
    repeat: prior,
    findingsOf: prior.findingsOf,
    findingsCount: findings,
  });
  await recordAudit(
    q,
    [...(opts.recordFirst ?? []), ingestedEvent(batch, counts, findings, prior.id)],
    deps.now(),
  );
  countIngested(deps, batch.entity, counts);
  return counts;
}

/** A repeat's batch.ingested: judged unchanged, the same findings as the batch it repeats. */
function ingestedEvent(
  batch: RepeatCandidate,
  counts: Counts,
  findings: number,
  priorId: string,
): AuditEvent {
  return {
    actor: 'system:ingest',
    action: 'batch.ingested',
    subject: `batch:${batch.id}`,
    details: { entity: batch.entity, ...counts, findings, pushSets: [], repeatOf: `batch:${priorId}` },
  };
}

/**
 * The API's unchanged repeat in one statement of its own (no transaction: ../store/repeats.ts): the
 * batch inserted done as {@link repeatUnchanged} would leave it, with `accepted` and its batch.ingested
 * recorded, when the tag is today's and no record of the school changed since `judged`'s snapshot. Undefined, with nothing written,
 * when it cannot be judged so (the caller then accepts it as usual, in a transaction); a format whose
 * batches record the schools its system serves always goes that way.
 */
export async function acceptUnchangedRepeat(
  q: Queryable,
  deps: RepeatContext,
  batch: RepeatCandidate & { sameAs: string; bodySha256: string },
  judged: RepeatOf,
  accepted: AuditEvent,
): Promise<Counts | undefined> {
  if (batch.mode !== 'delta' || batch.mappingPin !== null || learnsServedSchools(batch.format))
    return undefined;
  const now = deps.now();
  const version = inboundMapping(batch.format, batch.entity).version;
  if (repeatTag(version, vietnamDateOf(now), deps.config.quality) !== judged.repeatTag) return undefined;
  const counts: Counts = { accepted: 0, rejected: 0, unchanged: batch.received };
  const inserted = await insertUnchangedRepeat(q, {
    ...batch,
    judged,
    findingsOf: judged.findingsOf,
    findings: judged.findings,
    audit: [accepted, ingestedEvent(batch, counts, judged.findings, judged.id)],
    at: now,
  });
  if (!inserted) return undefined;
  countIngested(deps, batch.entity, counts);
  return counts;
}

/** Per quality policy (the config's object, as `policyDigest` keeps it): the day and its tags ({@link tagsOf}). */
const dayTags = new WeakMap<QualityConfig, { day: string; tags: Record<string, string> }>();

/**
 * Today's tag of each format and entity a vendor may push, keyed `<format> <entity>`, but for a format whose
 * batches record the schools its system serves (never judged in one statement: {@link acceptUnchangedRepeat}).
 */
function tagsOf(day: string, quality: QualityConfig): Record<string, string> {
  const kept = dayTags.get(quality);
  if (kept?.day === day) return kept.tags;
  const tags: Record<string, string> = {};
  for (const format of BATCH_FORMATS.filter((f) => !learnsServedSchools(f))) {
    for (const entity of VENDOR_ENTITIES) {
      const version = mappingVersionOf(format, entity);
      if (version !== undefined) tags[`${format} ${entity}`] = repeatTag(version, day, quality);
    }
  }
  dayTags.set(quality, { day, tags });
  return tags;
}

/** The version of the mapping of `format`'s `entity` records, if it has one. */
function mappingVersionOf(format: string, entity: (typeof VENDOR_ENTITIES)[number]): string | undefined {
  try {
    return inboundMapping(format, entity).version;
  } catch {
    return undefined;
  }
}

/**
 * Issue 7, the API's unchanged re-push of a body without an Idempotency-Key, in one statement (../store/repeats.ts
 * `lookUpOrAcceptRepeat`): the body's earlier batches looked up and, when it is a repeat {@link acceptUnchangedRepeat}
 * would judge at once, the new batch `id` inserted done with its two audit entries (batch.accepted, batch.ingested),
 * counted in the metrics. What was found of the body either way (`inserted`: accepted done); undefined: a new body.
 */
export async function acceptKnownRepeat(
  q: Queryable,
  deps: RepeatContext,
  push: { id: string; clientId: string; schoolCode: string; bodySha256: string; maxRecords: number },
): Promise<BodyRepeat | undefined> {
  const at = deps.now();
  const tags = tagsOf(vietnamDateOf(at), deps.config.quality);
  const found = await lookUpOrAcceptRepeat(q, { ...push, tags, at });
  if (found?.inserted) {
    countIngested(deps, found.entity, { accepted: 0, rejected: 0, unchanged: found.received });
  }
  return found;
}
