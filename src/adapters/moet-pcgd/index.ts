/**
 * The moet-pcgd adapter (PCGD-XMC, pcgd.moet.gov.vn — MODELLED interface, see README.md):
 * - source of `persons`: survey records of one commune for the working year. In `listChanges`,
 *   `schoolCode` means the **5-digit commune code** (this system is organised by commune, not school).
 *   The system serves a snapshot, not a change feed: `since` is ignored and every run reads the whole
 *   commune; no watermark is returned.
 * - target of `figures`: annual figures per unit (commune or province) and year, idempotent by key.
 */
import { AppError, isAppError } from '../../errors.js';
import type {
  ChangeFeed,
  HealthResult,
  ListChangesOptions,
  SourceAdapter,
  TargetAdapter,
  WriteReceipt,
} from '../types.js';
import {
  createMoetPcgdClient,
  MOET_PCGD,
  type MoetPcgdClient,
  type MoetPcgdClientConfig,
  type MoetPcgdClientDeps,
} from './client.js';
import type { FiguresSubmission, PersonWire } from './schema.js';

export { createMoetPcgdClient } from './client.js';
export type { MoetPcgdClient, MoetPcgdClientConfig, MoetPcgdClientDeps, SubmitResult } from './client.js';
export type * from './schema.js';

/** Settings of the adapter. */
export interface MoetPcgdAdapterConfig extends MoetPcgdClientConfig {
  /** Working year to read persons of. @defaultValue the open one (`GET /v1/working-year`) */
  year?: number;
}

/** The adapter: source of survey persons, target of figures. */
export type MoetPcgdAdapter = SourceAdapter<'persons', PersonWire> &
  TargetAdapter<'figures', FiguresSubmission> & {
    /** The underlying client (working year, read-back of figures). */
    readonly client: MoetPcgdClient;
  };

/** Resume cursor of the adapter: the working year plus the system's own cursor. */
function encodeCursor(year: number, cursor: string): string {
  return `${year}.${cursor}`;
}

function decodeCursor(cursor: string): { year: number; cursor: string } {
  const m = /^(\d{4})\.(.+)$/.exec(cursor);
  if (!m) throw new AppError('ERR_VALIDATION', `${MOET_PCGD}: not a moet-pcgd resume cursor`);
  return { year: Number(m[1]), cursor: m[2] as string };
}

function communeOf(opts: ListChangesOptions): string {
  const commune = opts.schoolCode;
  if (commune === undefined || !/^\d{5}$/.test(commune)) {
    throw new AppError(
      'ERR_VALIDATION',
      `${MOET_PCGD}: persons are listed per commune: pass schoolCode = 5-digit commune code`,
    );
  }
  return commune;
}

/** Rejection entry of one record refused by the system (invalid body, reused key). */
function rejectionOf(index: number, err: AppError): WriteReceipt['rejected'][number] {
  const first = err.errors?.[0];
  return {
    index,
    code: first?.rule ?? err.code,
    message: err.errors?.map((e) => `${e.pointer} ${e.rule}`).join('; ') ?? err.message,
  };
}

/**
 * Submits figures one unit at a time under the batch's key: per-record refusals are reported in the
 * receipt; window closed, rate limits and outages fail the batch.
 */
async function writeFigures(
  client: MoetPcgdClient,
  records: FiguresSubmission[],
  idempotencyKey: string,
): Promise<WriteReceipt> {
  const receipt: WriteReceipt = { accepted: 0, rejected: [] };
  const ids: string[] = [];
  let replayed = records.length > 0;
  for (const [index, record] of records.entries()) {
    try {
      // The key is scoped by (unit, year) on the system side, so one batch key serves every record.
      const r = await client.submitFigures(record.unitCode, record.year, record.body, { idempotencyKey });
      receipt.accepted += 1;
      ids.push(r.receiptId);
      replayed &&= r.replayed;
    } catch (err) {
      // Per-record refusals are reported; window closed, rate limits and outages fail the batch.
      if (!isAppError(err) || err.code !== 'ERR_ADAPTER_REJECTED') throw err;
      receipt.rejected.push(rejectionOf(index, err));
      replayed = false;
    }
  }
  if (ids.length > 0) receipt.receiptId = ids.join(',');
  if (replayed) receipt.replayed = true;
  return receipt;
}

/** Creates the moet-pcgd adapter. */
export function createMoetPcgdAdapter(
  config: MoetPcgdAdapterConfig,
  deps: MoetPcgdClientDeps = {},
): MoetPcgdAdapter {
  const client = createMoetPcgdClient(config, deps);

  /**
   * The listing's last page: the Ministry's working year read again (fix36a). One that moved on since the listing
   * began (a pull across the 31 August → 1 September rollover, a year opened late) keeps the year read at the start:
   * every page asked for that year (the year is in each request and each resume cursor), so the persons are that
   * year's survey; failing the pull instead would leave its pages stored under a failed run, and its replay would
   * meet the same change. The change is logged (no personal data); the persons-year check
   * (src/reporting/pcgd/persons-year.ts) tells the officer to pull again for the new year. A failed read changes
   * nothing: it only checks.
   */
  async function checkYearKept(commune: string, year: number): Promise<void> {
    const now = await client.workingYear().catch(() => undefined);
    if (now !== undefined && now.year !== year)
      deps.logger?.warn(
        { system: MOET_PCGD, communeCode: commune, workingYear: year, workingYearNow: now.year },
        'moet-pcgd: the working year changed during a persons pull; its persons are of the year it began in',
      );
  }

  async function* listPersons(opts: ListChangesOptions): AsyncGenerator<ChangeFeed<PersonWire>> {
    const commune = communeOf(opts);
    const resume = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const year = resume?.year ?? config.year ?? (await client.workingYear()).year;
    const pages = client.listPersons(commune, year, {
      ...(resume ? { cursor: resume.cursor } : {}),
      ...(opts.pageSize !== undefined ? { limit: opts.pageSize } : {}),
    });
    for await (const page of pages) {
      // Every page says its year: the run keeps it (src/store/sync-runs.ts, migration 1460).
      const feed: ChangeFeed<PersonWire> = { items: page.items, workingYear: year };
      if (page.nextCursor !== undefined) feed.nextCursor = encodeCursor(year, page.nextCursor);
      else if (config.year === undefined) await checkYearKept(commune, year);
      yield feed;
    }
  }

  return {
    system: MOET_PCGD,
    client,
    listChanges(entity, opts) {
      if (entity !== 'persons')
        throw new AppError('ERR_ENTITY_UNSUPPORTED', `${MOET_PCGD}: cannot list ${String(entity)}`);
      return listPersons(opts);
    },
    async health(): Promise<HealthResult> {
      try {
        const wy = await client.workingYear();
        return { ok: true, detail: `working year ${wy.year}` };
      } catch (err) {
        return { ok: false, detail: isAppError(err) ? err.code : 'unexpected error' };
      }
    },
    write(entity, records, opts) {
      if (entity !== 'figures')
        throw new AppError('ERR_ENTITY_UNSUPPORTED', `${MOET_PCGD}: cannot write ${String(entity)}`);
      return writeFigures(client, records, opts.idempotencyKey);
    },
  };
}
