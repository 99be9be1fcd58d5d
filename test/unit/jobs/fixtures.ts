/**
 * What the job unit tests share: a worker context over a real in-memory database (one per test file,
 * `useTestContext`), with fake pull sources and push targets that record what they were asked, and
 * outbox rows run as the worker runs them (`nextRow`, `runRow`, `drain`).
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../src/config.js';
import type { EntityName, SystemName } from '../../../src/config.js';
import type { WorkerContext } from '../../../src/jobs/context.js';
import { queueBatch, requestSync } from '../../../src/jobs/contracts.js';
import { createDeliveryGates } from '../../../src/jobs/gates.js';
import type { PulledPage, PullSource } from '../../../src/jobs/sources.js';
import { routingFor, type PushReceipt, type PushTarget } from '../../../src/jobs/targets.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import type { Queryable } from '../../../src/store/db.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { S1 } from '../../helpers/api.js';
import { createMemoryDb, MEMORY_DB_TIMEOUT_MS, type MemoryDb } from '../../helpers/memory-db.js';
import { useForSuite } from '../../helpers/suite.js';
import { drain, type OutboxRow } from './outbox-rows.js';

// Outbox rows run as the worker runs them: their own file, taken from here with the rest.
export {
  byQueue,
  deadLetterRow,
  drain,
  nextRow,
  ofBatch,
  openWork,
  runNextPull,
  runNextReconcile,
  runOf,
  runRow,
  type OutboxRow,
} from './outbox-rows.js';

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

/**
 * Has `source` serve page i of `pages()` at cursor `c<i>` (page 0 without one), the last without a next
 * cursor: pages by cursor, so a job that runs again (a duplicate, a resumed page) reads its page again.
 */
export function servePagesByCursor(source: FakeSource, pages: () => readonly unknown[][]): void {
  source.page = async (_entity, opts) => {
    const all = pages();
    const i = opts.cursor ? Number(opts.cursor.slice(1)) : 0;
    return {
      items: [...all[i]!],
      deletedKeys: [],
      nextCursor: i < all.length - 1 ? `c${i + 1}` : undefined,
      watermark: undefined,
    };
  };
}

export interface TestContext extends WorkerContext {
  db: MemoryDb;
}

export async function testContext(
  parts: {
    sources?: WorkerContext['sources'];
    targets?: WorkerContext['targets'];
    chainMs?: number;
  } = {},
): Promise<TestContext> {
  const targets = parts.targets ?? {};
  // One page per pull job (the tests step through a run's pages) unless `chainMs` says otherwise.
  const config = loadConfig({
    env: { TRUC_PROFILE: 'test', TRUC_PULL_CHAIN_MS: String(parts.chainMs ?? 0) },
  });
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

/**
 * The context of a test file's tests, built once before them (a `beforeAll`, so call it at the top of a
 * `describe`): the object returned is filled in then, and is the same object in every test. Its
 * database is closed after them (unit files share their worker's process: see vitest.config.ts).
 */
export function useTestContext(parts: Parameters<typeof testContext>[0] = {}): TestContext {
  return useForSuite(
    () => testContext(parts),
    (ctx) => ctx.db.close(),
    MEMORY_DB_TIMEOUT_MS,
  );
}

/** `useTestContext` with hcm-csdl serving students through a fake source (and `targets`). */
export function useStudentsSource(targets: WorkerContext['targets'] = {}) {
  const source = fakeSource('hcm-csdl', ['students']);
  return { source, ctx: useTestContext({ sources: { 'hcm-csdl': source }, targets }) };
}

/**
 * Stores a canonical vendor batch of students of S1 (`delta` or `snapshot`) and ingests it (as `runAs`, e.g. on
 * another clock); the batch as stored.
 */
export async function vendorBatch(
  ctx: TestContext,
  records: unknown[],
  mode: 'delta' | 'snapshot' = 'delta',
  runAs: TestContext = ctx,
) {
  const id = randomUUID();
  await ctx.db.tx((q) =>
    queueBatch(q, {
      id,
      clientId: 'vendor-1',
      schoolCode: S1,
      entity: 'students',
      format: 'canonical',
      records,
      mode,
    }),
  );
  await drain(runAs, 'ingest');
  return (await createBatchesRepo(ctx.db).get(id))!;
}

/** Shows `seen` every statement the context's transactions send (text and parameters), from now on. */
export function watchStatements(
  ctx: TestContext,
  seen: (sql: string, params: readonly unknown[]) => void,
): void {
  const tx = ctx.db.tx.bind(ctx.db);
  ctx.db.tx = <T>(fn: (q: Queryable) => Promise<T>) =>
    tx((q) => {
      const query = q.query.bind(q);
      const spied = Object.create(q) as Queryable;
      spied.query = (sql: string, params?: readonly unknown[], opts?: never) => {
        seen(sql, params ?? []);
        return query(sql, params as unknown[], opts);
      };
      return fn(spied);
    });
}

/** The guard's audit entries of one hold (`guard.held`, `guard.approved`, …) as [action, actor], in order. */
export async function guardAudit(db: MemoryDb, holdId: number): Promise<Array<[string, string]>> {
  const rows = await db.rows<{ action: string; actor: string }>(
    'truc.audit_log',
    `action LIKE 'guard.%' AND subject = 'guard-hold:${holdId}' ORDER BY seq`,
  );
  return rows.map((a) => [a.action, a.actor]);
}

/** An admin asks for a full pull of hcm-csdl students (of `scope`, else the whole city): the run's id. */
export function requestFullStudentsSync(ctx: TestContext, scope?: string): Promise<number> {
  return ctx.db.tx((q) =>
    requestSync(q, {
      system: 'hcm-csdl',
      entity: 'students',
      ...(scope === undefined ? {} : { scope }),
      full: true,
      requestedBy: 'admin',
      at: ctx.now(),
    }),
  );
}

/** An admin asks for an incremental pull of hcm-csdl students of `scope`, from a stored watermark: the run's id. */
export async function requestStudentsSync(ctx: TestContext, scope: string): Promise<number> {
  await createSyncRunsRepo(ctx.db).saveWatermark('hcm-csdl', 'students', scope, 'w0');
  return ctx.db.tx((q) =>
    requestSync(q, { system: 'hcm-csdl', entity: 'students', scope, requestedBy: 'admin', at: ctx.now() }),
  );
}

/** A smas students run (full, or incremental from a kept watermark) over one page of `items`, pulled; its id. */
export async function smasStudentsRun(
  ctx: TestContext,
  smas: FakeSource,
  items: unknown[],
  full: boolean,
): Promise<number> {
  if (!full) await createSyncRunsRepo(ctx.db).saveWatermark('smas', 'students', '', 'w0');
  const id = await ctx.db.tx((q) =>
    requestSync(q, { system: 'smas', entity: 'students', full, requestedBy: 'admin', at: ctx.now() }),
  );
  smas.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
  await drain(ctx, 'pull');
  return id;
}

/**
 * A full run of hcm-csdl students: requested, served `pages` by `source` (only those: pages an earlier
 * test left unread are dropped), its pull and reconcile jobs run one after the other as the worker would
 * (`beforeJob` sees each outbox row first); the run's batches in page order.
 */
export async function fullStudentsRun(
  ctx: TestContext,
  source: FakeSource,
  pages: unknown[][],
  beforeJob: (row: OutboxRow) => void = () => undefined,
) {
  const runId = await requestFullStudentsSync(ctx);
  source.pages = pages.map((items, i) => ({
    items,
    deletedKeys: [],
    nextCursor: i < pages.length - 1 ? `c${i + 1}` : undefined,
    watermark: undefined,
  }));
  await drain(ctx, 'pull', beforeJob);
  return ctx.db.rows<{ id: string; accepted: number; rejected: number; unchanged: number }>(
    'truc.batches',
    `sync_run_id = ${runId} ORDER BY created_at`,
  );
}

/** A student as hcm-csdl serves it. */
export const hcmStudent = (code: string, { name = 'Nguyễn Thị Mai', school = S1 } = {}) => ({
  maDinhDanh: code,
  maTruong: school,
  namHoc: '2025-2026',
  khoiLop: '1',
  hoTen: name,
  ngaySinh: '2019-03-14',
  gioiTinh: 'Nữ',
  maDanToc: '01',
  trangThai: 'Đang học',
  updatedAt: '2025-10-01T02:00:00.000Z',
});

/** The codes of a school's live students (S1 unless named), in code order. */
export async function liveStudents(ctx: TestContext, schoolCode: string = S1): Promise<string[]> {
  const rows = await ctx.db.rows<{ student_code: string }>(
    'truc.students',
    `school_code = '${schoolCode}' AND deleted_at IS NULL ORDER BY student_code`,
  );
  return rows.map((r) => r.student_code);
}

/** The mass-change guard's hold of a batch, if it holds it. */
export async function holdOf(ctx: TestContext, batchId: string): Promise<{ id: number } | undefined> {
  const [hold] = await ctx.db.rows<{ id: number }>('truc.guard_holds', `batch_id = '${batchId}'`);
  return hold;
}
