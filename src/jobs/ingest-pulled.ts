/**
 * A pulled page before it is judged (issue 7): its records' source fingerprints (./source-fp.ts), worked on
 * ahead of its transaction by ./pull.ts (a page of new or changed records is mapped and judged in memory
 * ahead too), and what the judging of the page is given besides its records (the records skipped as
 * unchanged or still refused: ./skip-unchanged.ts).
 */
import type { EntityName } from '../config.js';
import type { MapResult } from '../mappings/types.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import { INGEST_CHECKS, prejudge, twinKey } from '../quality/index.js';
import type { AuditEvent } from '../store/audit-log.js';
import type { CombinedWrites } from '../store/combined.js';
import { fingerprinted } from '../store/records.js';
import type { Refusal } from '../store/refusals.js';
import type { InboundMapping, InboundRecord } from './inbound.js';
import { map, type JudgeContext, type KnownRows, type Mapped, type Premapped } from './judge.js';
import { sourceFpOf } from './source-fp.js';

/**
 * A pulled page whose unchanged records were skipped before mapping (./skip-unchanged.ts `skipUnchanged`): what
 * the judged rest needs to be written and counted as the whole page.
 */
export interface PulledExtras {
  /** Records skipped: their source fingerprint matched their stored, live row. */
  readonly skipped: readonly { key: string; scope: string }[];
  /**
   * Records skipped as still refused: refused before for reasons of their own, from the same source
   * fingerprint under the same rules (./refusals.ts). Counted rejected; their findings are on the batch
   * that refused them.
   */
  readonly refused: readonly Refusal[];
  /** Where refusals are remembered: the source system, and the stamp of the rules judging this page. */
  readonly refusals: { readonly system: string; readonly rules: string };
  /** Per judged record: its index in the page (findings keep the page's index). */
  readonly pageIndex: readonly number[];
  /** Per judged record: its source key and source fingerprint, where its source key is unique in the page. */
  readonly sourceKeys: readonly (string | undefined)[];
  readonly sourceFps: readonly (string | undefined)[];
  /** The stored rows the skip read (by source key): the judging does not read them again. */
  readonly known?: KnownRows;
  /** Per judged record: its mapping's result where the page was mapped ahead (./pull.ts). */
  readonly premapped?: Premapped;
  /** The page judged ahead (see {@link PageAhead}), where every record of it is judged. */
  readonly judged?: Mapped;
  /**
   * Ingested inline by its pull job (./pull.ts): the run as the job read it, where the batch's audit
   * entry goes (the job appends it with its own, one append per page), and the job's closing writes for
   * the page, where the batch's own closing writes and its refusals go too (sent with the run's advance:
   * one statement, issue 7); the job queues the run's reconciliation itself after its last page.
   */
  inline?: {
    run: { id: number; since: string | null; storedBefore: boolean; createdAt: Date };
    audit: AuditEvent[];
    closing: CombinedWrites;
    /** When none of the page's records is stored, they are inserted as new (see records.ts `upsert`'s `fresh`). */
    insertNew?: boolean;
  };
}

/**
 * A pulled page worked on ahead of its transaction (./pull.ts: while the page before it is written):
 * each record's source fingerprint and, when asked, its mapping's result. Pure CPU, done in slices
 * that yield to the event loop so the transaction in flight is not held up.
 */
export interface PageAhead {
  readonly version: string;
  /** Per record of the page: its source fingerprint (undefined: the mapping has no source keys). */
  readonly fps: readonly (string | undefined)[];
  /** Per record of the page: its mapping's result, when the page was mapped ahead. */
  readonly results?: readonly (MapResult<InboundRecord> | undefined)[];
  /**
   * The whole page judged ahead when it was mapped ahead and its format and entity were given (issue 7):
   * mapped, the quality engine's record and batch checks run, each record's fingerprint and twin key
   * worked out. Its transaction then runs only the store checks, when every record of the page is judged
   * (nothing skipped or still refused: a first sync) on the same day ({@link judgedAhead}).
   */
  readonly judged?: Mapped;
}

const AHEAD_SLICE = 50;

const nextTurn = () => new Promise((go) => setImmediate(go));

/** A pulled page judged ahead of its transaction (see {@link PageAhead}'s `judged`). */
async function judgeAhead(
  deps: JudgeContext,
  mapping: InboundMapping,
  page: { format: string; entity: EntityName },
  records: readonly unknown[],
  results: readonly (MapResult<InboundRecord> | undefined)[],
): Promise<Mapped> {
  await nextTurn();
  const toMap = {
    entity: page.entity,
    mapping,
    trusted: true,
    batch: { ...page, records: [...records], schoolCode: '*' },
  };
  const mapped = map(toMap, deps, { version: mapping.version, results });
  const prejudged = prejudge(mapped.ctx, mapped.sink, INGEST_CHECKS);
  const fingerprints: (string | undefined)[] = [];
  const jsons: (Buffer | undefined)[] = [];
  const twinKeys: (string | undefined)[] = [];
  const repaired = mapped.sink.records;
  for (let i = 0; i < repaired.length; i += AHEAD_SLICE) {
    await nextTurn();
    for (let j = i; j < Math.min(i + AHEAD_SLICE, repaired.length); j++) {
      const rec = repaired[j];
      // The JSON text is kept: the upsert sends it as it is (issue 7: not serialised a second time).
      const fp = rec === undefined ? undefined : fingerprinted(rec);
      fingerprints.push(fp?.fingerprint);
      jsons.push(fp?.json);
      twinKeys.push(rec === undefined ? undefined : twinKey(rec));
    }
  }
  // The store checks' lookups are asked with the twin keys worked out here (not again in the transaction).
  return { ...mapped, ahead: { prejudged: { ...prejudged, twinKeys }, fingerprints, jsons, twinKeys } };
}

/** The page as judged ahead, when it can stand for judging it now: judged on the same day (in Vietnam). */
export function judgedAhead(pulled: PulledExtras | undefined, deps: JudgeContext): Mapped | undefined {
  const judged = pulled?.judged;
  return judged && judged.ctx.today === vietnamDateOf(deps.now()) ? judged : undefined;
}

export async function workAhead(
  deps: JudgeContext,
  mapping: InboundMapping,
  records: readonly unknown[],
  opts: {
    map: boolean;
    page?: { format: string; entity: EntityName };
    /** Per record, its bytes as received (./sources.ts `itemBytes`), where known. */
    bytes?: readonly Uint8Array[] | undefined;
  },
): Promise<PageAhead> {
  const fps: (string | undefined)[] = [];
  const results: (MapResult<InboundRecord> | undefined)[] = [];
  const { bytes } = opts;
  for (let i = 0; i < records.length; i += AHEAD_SLICE) {
    await new Promise((go) => setImmediate(go));
    for (let j = i; j < Math.min(i + AHEAD_SLICE, records.length); j++) {
      const raw = records[j];
      fps.push(mapping.sourceKey ? sourceFpOf(mapping, raw, bytes?.[j]) : undefined);
      if (opts.map) results.push(mapping.map(raw, { now: deps.now }));
    }
  }
  if (!opts.map) return { version: mapping.version, fps };
  const judged = opts.page ? await judgeAhead(deps, mapping, opts.page, records, results) : undefined;
  return { version: mapping.version, fps, results, ...(judged ? { judged } : {}) };
}

/**
 * Source fingerprints of the judged records of a pulled page, by natural key: only where the record
 * mapped to its source key and no other record of the page mapped to the same key.
 */
export function sourceFpsByKey(
  pulled: PulledExtras,
  records: readonly (InboundRecord | undefined)[],
): Map<string, string> {
  const out = new Map<string, string>();
  const twice = new Set<string>();
  records.forEach((rec, i) => {
    if (rec === undefined) return;
    if (out.has(rec.key) || twice.has(rec.key)) {
      out.delete(rec.key);
      twice.add(rec.key);
      return;
    }
    const fp = pulled.sourceFps[i];
    if (fp !== undefined && pulled.sourceKeys[i] === rec.key) out.set(rec.key, fp);
    else twice.add(rec.key);
  });
  return out;
}
