/**
 * sched28 item 3 (a reviewer's note after fair26): the ingest worker runs `jobs.concurrency` (4) jobs at once; fair26
 * made a busy school's backlog wait out of the slots, but big snapshots of as many different schools (5,000 students
 * each) can still take every slot, and a small batch of another school then waits for one of them to finish.
 * Measured here: four big snapshots of four schools queued, then one small batch of a fifth; the order in which
 * they finish (was, at load ~15: small 4.0–4.3 s, after the first big one, 3.7–4.2 s; now small 2.6 s, the bigs
 * 3.7–5.7 s). Real PostgreSQL and Redis, the worker role as `truc worker` runs it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Student } from '../../src/canonical/student.js';
import { queueBatch } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { student } from '../factories/records.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { vendorBody } from '../helpers/vendor-batch.js';

const BIG = 5_000;
const grades = ['1', '2', '3', '4', '5'] as const;
const pupil = (school: string, i: number): Student =>
  student(`SL${school.slice(-2)}${String(i).padStart(5, '0')}`, {
    schoolCode: school,
    grade: grades[i % 5]!,
    fullName: `Nguyễn Văn ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + ((i / 26) % 26))}`,
  });

describe('four big snapshots of four schools, then a small batch of a fifth (sched28 item 3)', () => {
  let env: TestEnv;
  let worker: Running | undefined;
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  it('the small batch is done before any big snapshot: one slot stays for it (was: after the first big one)', async () => {
    const schools = ['79000311', '79000312', '79000313', '79000314'];
    const queued = async (school: string, records: Student[], mode: 'snapshot' | 'delta') => {
      const id = randomUUID();
      await env.deps.db.tx((q) => queueBatch(q, { ...vendorBody(records, school), id, mode }));
      return id;
    };
    const big: string[] = [];
    for (const s of schools)
      big.push(
        await queued(
          s,
          Array.from({ length: BIG }, (_, i) => pupil(s, i)),
          'snapshot',
        ),
      );
    const small = await queued('79000315', [pupil('79000315', 1)], 'delta');
    const queuedAt = Date.now();
    worker = startWorkerRole(env.deps);
    const all = [...big, small];
    // When each was seen done (polled every 50 ms; the row's finished_at is its transaction's start).
    const doneAt = new Map<string, number>();
    await waitFor(
      async () => {
        const res = await env.deps.db.query<{ id: string }>(
          `SELECT id::text AS id FROM truc.batches WHERE id = ANY($1::uuid[]) AND status = 'done'`,
          [all],
        );
        for (const r of res.rows) if (!doneAt.has(r.id)) doneAt.set(r.id, Date.now() - queuedAt);
        return doneAt.size === all.length;
      },
      { timeoutMs: 240_000, intervalMs: 50, what: 'every batch done' },
    );
    const order = [...all].sort((a, b) => doneAt.get(a)! - doneAt.get(b)!);
    console.log(
      'done after the worker started (ms):',
      all
        .map((id) => `${id === small ? 'small' : `big ${big.indexOf(id) + 1}`} ${doneAt.get(id)}`)
        .join(', '),
    );
    // The small batch does not wait for a big snapshot to finish.
    expect(order.indexOf(small)).toBe(0);
  }, 300_000);
});
