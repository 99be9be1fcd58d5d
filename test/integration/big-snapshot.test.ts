/**
 * bigsnap25 (issue 7 item 2): a large school's whole snapshot in one batch, with the defaults. A snapshot is
 * every student of the school (of the school years it carries), so it cannot be split into delta-sized batches;
 * Ho Chi Minh City has schools of 1,500–4,000 students. Before, every batch held at most server.maxBatchRecords
 * (1,000) records, and a 3,000-student snapshot was refused (413, the limit named only by zod's English
 * message). A snapshot batch now holds up to server.maxSnapshotRecords (5,000) records within
 * server.snapshotBodyLimitBytes; a delta batch keeps its 1,000 and its body limit. Real PostgreSQL and Redis,
 * the worker role, the API over HTTP (fastify's inject).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Student } from '../../src/canonical/student.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { SCHOOL_YEAR, student } from '../factories/records.js';
import { bearer, expectProblem, tokenFor } from '../helpers/api.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

const S = '79000251';
const SIZE = 3200;
const grades = ['1', '2', '3', '4', '5'] as const;
const lastYear = `${Number(SCHOOL_YEAR.slice(0, 4)) - 1}-${SCHOOL_YEAR.slice(0, 4)}`;

/** Student i of the school: grades 1-5 in turn, a birth date and name of its own. */
const pupil = (i: number, over: Partial<Student> = {}): Student =>
  student(`BS${String(i).padStart(5, '0')}`, {
    schoolCode: S,
    grade: grades[i % 5]!,
    birthDate: `201${4 + (i % 5)}-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}`,
    fullName: `Nguyễn Văn ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + ((i / 26) % 26))}`,
    ...over,
  });

describe("a large school's whole snapshot with the defaults (bigsnap25)", () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let worker: Running;
  let vendor: string;
  const school = Array.from({ length: SIZE }, (_, i) => pupil(i));
  // Last year's students of the school (left over the summer): a snapshot of this year leaves them be.
  const leavers = Array.from({ length: 30 }, (_, i) => pupil(SIZE + i, { schoolYear: lastYear }));

  const push = (body: Record<string, unknown>, dryRun = false) =>
    app.inject({
      method: 'POST',
      url: `/v1/schools/${S}/batches${dryRun ? '?dryRun=true' : ''}`,
      headers: { ...bearer(vendor), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const snapshot = (records: unknown[], dryRun = false) =>
    push({ entity: 'students', mode: 'snapshot', records }, dryRun);
  /** The batch once the worker is done with it (done, or held). */
  async function ingested(res: Awaited<ReturnType<typeof push>>) {
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json<{ batchId: string }>();
    return waitFor(
      async () => {
        const b = (
          await app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: bearer(vendor) })
        ).json<{
          status: string;
          counts: Record<'received' | 'accepted' | 'rejected' | 'unchanged' | 'deleted', number>;
          guard: { holdId: number } | null;
        }>();
        return b.status === 'done' || b.status === 'held' || b.status === 'failed' ? b : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'the snapshot batch' },
    );
  }
  const live = async () =>
    (
      await env.deps.db.query<{ code: string }>(
        `SELECT student_code AS code FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL
          ORDER BY student_code`,
        [S],
      )
    ).rows.map((r) => r.code);
  const batches = async () =>
    (await env.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.batches')).rows[0]!.n;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    app = await buildApp(env.deps);
    await app.ready();
    worker = startWorkerRole(env.deps);
    vendor = await tokenFor(
      app,
      await addClient(env.deps.db, { name: 'Vendor 251', role: 'vendor', schools: [S] }),
    );
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
  });

  it('is accepted and applied whole; a later one deletes exactly the students of its year it omits', async () => {
    expect(env.deps.config.server.maxBatchRecords).toBe(1000);
    // Last year's leavers, sent as a delta before.
    expect((await ingested(await push({ entity: 'students', records: leavers }))).status).toBe('done');

    const first = await ingested(await snapshot(school));
    expect(first).toMatchObject({ status: 'done', counts: { received: SIZE, accepted: SIZE, deleted: 0 } });
    expect(await live()).toHaveLength(SIZE + leavers.length);
    expect(env.deps.config.server.maxSnapshotRecords).toBe(5000); // the default

    // 40 of this year's students left (1.25 %: under every threshold of the guard).
    const gone = new Set(Array.from({ length: 40 }, (_, i) => school[i * 80]!.studentCode));
    const kept = school.filter((s) => !gone.has(s.studentCode));
    const dry = await snapshot(kept, true);
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json<{ snapshot: unknown }>().snapshot).toEqual({
      wouldDelete: gone.size,
      skipped: null,
      guardWouldHold: false,
    });
    const second = await ingested(await snapshot(kept));
    expect(second).toMatchObject({ status: 'done', counts: { received: kept.length, deleted: gone.size } });
    const after = await live();
    expect(after).toEqual(
      [...kept, ...leavers].map((s) => s.studentCode).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }, 180_000);

  it('the guard weighs it whole: a snapshot leaving out 1,200 of the school is held, as its dry run says', async () => {
    const before = await live();
    const kept = school.slice(1200).filter((s) => before.includes(s.studentCode));
    const dry = await snapshot(kept, true);
    expect(dry.statusCode, dry.body).toBe(200);
    const preview = dry.json<{ snapshot: { wouldDelete: number; guardWouldHold: boolean } }>().snapshot;
    expect(preview.guardWouldHold).toBe(true);
    expect(preview.wouldDelete).toBe(before.length - leavers.length - kept.length);
    const held = await ingested(await snapshot(kept));
    expect(held.status).toBe('held');
    expect(held.guard?.holdId).toBeGreaterThan(0);
    expect(await live()).toEqual(before);
  }, 180_000);

  it('over its limit: a clear bilingual 413 naming server.maxSnapshotRecords, nothing stored', async () => {
    const n = await batches();
    const res = await snapshot(Array.from({ length: 5001 }, () => ({})));
    const p = expectProblem(res, 413, 'ERR_BATCH_TOO_LARGE');
    expect(p.detail).toContain('tối đa 5000 bản ghi (server.maxSnapshotRecords)');
    expect(p.detail).toContain('at most 5000 records (server.maxSnapshotRecords)');
    expect(p.errors?.[0]).toMatchObject({ pointer: '/body/records', rule: 'too_big' });
    expect(await batches()).toBe(n);
  });

  it('a delta batch keeps its 1,000 records: the same 3,000 records as a delta are refused, naming both limits', async () => {
    const n = await batches();
    for (const dryRun of [false, true]) {
      const res = await push({ entity: 'students', records: school.slice(0, 3000) }, dryRun);
      const p = expectProblem(res, 413, 'ERR_BATCH_TOO_LARGE');
      expect(p.detail).toContain('lô delta có tối đa 1000 bản ghi (server.maxBatchRecords)');
      expect(p.detail).toContain('a delta batch holds at most 1000 records (server.maxBatchRecords)');
      expect(p.detail).toContain('(up to 5000)');
    }
    const delta = expectProblem(
      await push({ entity: 'students', mode: 'delta', records: Array.from({ length: 1001 }, () => ({})) }),
      413,
      'ERR_BATCH_TOO_LARGE',
    );
    expect(delta.detail).toContain('at most 1000 records');
    expect(await batches()).toBe(n);
  });

  it("a delta keeps its body limit (server.bodyLimitBytes), a snapshot's is server.snapshotBodyLimitBytes", async () => {
    const { bodyLimitBytes, snapshotBodyLimitBytes } = env.deps.config.server;
    expect(snapshotBodyLimitBytes).toBeGreaterThan(bodyLimitBytes);
    const n = await batches();
    // 10 records, a body over the delta's limit but within a snapshot's.
    const padded = Array.from({ length: 10 }, (_, i) => ({
      ...pupil(i),
      note: 'x'.repeat(bodyLimitBytes / 10),
    }));
    const delta = expectProblem(
      await push({ entity: 'students', records: padded }),
      413,
      'ERR_BODY_TOO_LARGE',
    );
    expect(delta.detail).toContain(`at most ${bodyLimitBytes} bytes (server.bodyLimitBytes)`);
    const over = expectProblem(
      await snapshot([{ note: 'x'.repeat(snapshotBodyLimitBytes) }]),
      413,
      'ERR_BODY_TOO_LARGE',
    );
    expect(over.detail).toContain(`${snapshotBodyLimitBytes} bytes`);
    expect(await batches()).toBe(n);
  });
});
