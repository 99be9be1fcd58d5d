/**
 * What the job unit tests share: a worker context over a real in-memory database, with fake pull
 * sources and push targets that record what they were asked, and a JobRun for a job made from an
 * outbox row.
 */
import { loadConfig } from '../../../src/config.js';
import type { EntityName, SystemName } from '../../../src/config.js';
import type { WorkerContext } from '../../../src/jobs/context.js';
import { requestSync } from '../../../src/jobs/contracts.js';
import type { JobRun } from '../../../src/jobs/define.js';
import { createDeliveryGates } from '../../../src/jobs/gates.js';
import { pullPageJob } from '../../../src/jobs/pull.js';
import { reconcileRunJob } from '../../../src/jobs/reconcile.js';
import type { PulledPage, PullSource } from '../../../src/jobs/sources.js';
import { routingFor, type PushReceipt, type PushTarget } from '../../../src/jobs/targets.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { S1 } from '../../helpers/api.js';
import { createMemoryDb, type MemoryDb } from '../../helpers/memory-db.js';

export const NOW = new Date('2026-01-15T03:00:00.000Z');

export interface FakeTarget extends PushTarget {
  calls: Array<{ entity: EntityName; records: readonly unknown[]; idempotencyKey: string }>;
  /** Deletions asked of the target (when it deletes). */
  removals: Array<{
    entity: EntityName;
    keys: readonly string[];
    schools: ReadonlyArray<string | null>;
    idempotencyKey: string;
  }>;
  /** What the next write does: answer (default: accept everything) or throw. */
  next?: () => PushReceipt;
}

export function fakeTarget(
  system: SystemName,
  entities: readonly EntityName[],
  deletes: readonly EntityName[] = [],
): FakeTarget {
  const target: FakeTarget = {
    system,
    entities,
    calls: [],
    removals: [],
    deletes,
    async remove(entity, keys, opts) {
      target.removals.push({
        entity,
        keys: keys.map((k) => k.key),
        schools: keys.map((k) => k.school),
        idempotencyKey: opts.idempotencyKey,
      });
      return { accepted: keys.length, rejected: [], receiptId: `d-${target.removals.length}` };
    },
    async write(entity, records, opts) {
      target.calls.push({ entity, records, idempotencyKey: opts.idempotencyKey });
      return (
        target.next?.() ?? { accepted: records.length, rejected: [], receiptId: `r-${target.calls.length}` }
      );
    },
  };
  return target;
}

export interface FakeSource extends PullSource {
  /** Pages served in order; every call is recorded. */
  pages: PulledPage[];
  calls: Array<{ entity: EntityName; cursor?: string | undefined; since?: string | undefined }>;
}

export function fakeSource(system: SystemName, entities: readonly EntityName[]): FakeSource {
  const source: FakeSource = {
    system,
    entities,
    pages: [],
    calls: [],
    async page(entity, opts) {
      source.calls.push({ entity, cursor: opts.cursor, since: opts.since });
      const page = source.pages.shift();
      if (!page) throw new Error('fake source: no page left');
      return page;
    },
  };
  return source;
}

export interface TestContext extends WorkerContext {
  db: MemoryDb;
}

export async function testContext(
  parts: { sources?: WorkerContext['sources']; targets?: WorkerContext['targets'] } = {},
): Promise<TestContext> {
  const targets = parts.targets ?? {};
  const config = loadConfig({ env: { TRUC_PROFILE: 'test' } });
  const db = await createMemoryDb();
  const logger = createLogger('silent');
  const metrics = createMetrics();
  return {
    config,
    db,
    logger,
    metrics,
    now: () => NOW,
    sources: parts.sources ?? {},
    targets,
    routes: routingFor(targets),
    gates: createDeliveryGates({ db, config, logger, metrics }),
  };
}

/** The JobRun of a job made from outbox row `outboxId`. */
export function runOf(queue: string, name: string, outboxId: number | undefined): JobRun {
  return { id: `job-${outboxId ?? 'x'}`, queue, name, attempt: 1, outboxId };
}

/** Open outbox rows (not done, not dead), oldest first. */
export async function openWork(db: MemoryDb) {
  return db.rows<{ id: number; queue: string; job_name: string; payload: Record<string, unknown> }>(
    'truc.outbox',
    'done_at IS NULL AND dead_at IS NULL ORDER BY id',
  );
}

/**
 * A full run of hcm-csdl students: requested, served `pages` by `source`, its pull and reconcile jobs
 * run one after the other as the worker would (`beforeJob` sees each outbox row first); the run's
 * batches in page order.
 */
export async function fullStudentsRun(
  ctx: TestContext,
  source: FakeSource,
  pages: unknown[][],
  beforeJob: (row: { job_name: string; payload: Record<string, unknown> }) => void = () => undefined,
) {
  const runId = await ctx.db.tx((q) =>
    requestSync(q, { system: 'hcm-csdl', entity: 'students', full: true, requestedBy: 'admin' }),
  );
  pages.forEach((items, i) =>
    source.pages.push({
      items,
      deletedKeys: [],
      nextCursor: i < pages.length - 1 ? `c${i + 1}` : undefined,
      watermark: undefined,
    }),
  );
  for (let i = 0; i < 20; i++) {
    const row = (await openWork(ctx.db)).find((r) => r.queue === 'pull');
    if (!row) break;
    const job = row.job_name === 'reconcile-run' ? reconcileRunJob : pullPageJob;
    beforeJob(row);
    await job.run(ctx, row.payload, runOf('pull', row.job_name, row.id));
  }
  return ctx.db.rows<{ id: string; accepted: number; rejected: number; unchanged: number }>(
    'truc.batches',
    `sync_run_id = ${runId} ORDER BY created_at`,
  );
}
/** A student as hcm-csdl serves it. */
export const hcmStudent = (code: string, name = 'Nguyễn Thị Mai') => ({
  maDinhDanh: code,
  maTruong: S1,
  namHoc: '2025-2026',
  khoiLop: '1',
  hoTen: name,
  ngaySinh: '2019-03-14',
  gioiTinh: 'Nữ',
  maDanToc: '01',
  trangThai: 'Đang học',
  updatedAt: '2025-10-01T02:00:00.000Z',
});
