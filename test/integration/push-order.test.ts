/**
 * Per-key ordered delivery (issue 7): two push sets of the same key in flight to one target at once (two
 * workers, or two jobs of one worker) must not arrive out of order. The target here is a scripted
 * stand-in whose answer to the first send is held back (a slow network), so the second set runs while the
 * first one's request is still on its way; the stand-in applies each request when it answers, like a
 * target that applies requests in the order they reach it. Real PostgreSQL; the push processor is
 * called directly (two concurrent runs), as two workers would. A send that timed out (the target may
 * apply it late) keeps its claim until it lapses or the same set is delivered.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { DeferJob } from '../../src/jobs/define.js';
import { pushSetJob } from '../../src/jobs/push.js';
import { createDeliveryGates } from '../../src/jobs/gates.js';
import type { DeleteKey, PushReceipt, PushTarget } from '../../src/jobs/targets.js';
import { createPushClaimsRepo } from '../../src/store/push-claims.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { SCHOOL, student } from '../factories/records.js';
import { countRows, makeDeps, type TestEnv } from '../helpers/env.js';

/** A target holding student keys; a request takes effect when its answer is released. */
function heldTarget() {
  const present = new Set<string>();
  let release: () => void = () => undefined;
  let entered: () => void = () => undefined;
  let holdNext = false;
  const hold = async () => {
    if (!holdNext) return;
    holdNext = false;
    const released = new Promise<void>((r) => (release = r));
    entered();
    await released;
  };
  const target: PushTarget = {
    system: 'hcm-csdl',
    entities: ['students'],
    deletes: ['students'],
    async write(_entity, records): Promise<PushReceipt> {
      await hold();
      for (const r of records) present.add((r as { studentCode: string }).studentCode);
      return { accepted: records.length, rejected: [] };
    },
    async remove(_entity, keys: readonly DeleteKey[]): Promise<PushReceipt> {
      await hold();
      for (const k of keys) present.delete(k.key);
      return { accepted: keys.length, rejected: [] };
    },
  };
  return {
    target,
    present,
    /** The next request is held until `release()`; resolves once it has been sent. */
    holdNext(): Promise<void> {
      holdNext = true;
      return new Promise<void>((r) => (entered = r));
    },
    release: () => release(),
  };
}

describe('per-key ordered delivery (postgres)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await env?.cleanup();
  });

  const job = pushSetJob('hcm-csdl');
  const run = (target: PushTarget, pushSetId: number) =>
    job.run(
      {
        db: env.deps.db,
        logger: pino({ level: 'silent' }),
        config: env.config,
        targets: { 'hcm-csdl': target },
        gates: createDeliveryGates({ ...env.deps, logger: pino({ level: 'silent' }) }),
        now: env.deps.now,
      },
      { pushSetId },
      {
        id: `push-${pushSetId}`,
        queue: 'push-hcm-csdl',
        name: 'push',
        attempt: 1,
        outboxId: undefined,
      },
    );
  /** Runs the set; 'deferred' when it went back to its queue because another set is sending its key. */
  const attempt = (target: PushTarget, pushSetId: number) =>
    run(target, pushSetId).then(
      () => 'sent' as const,
      (err: unknown) => {
        if (err instanceof DeferJob && err.reason === 'key-in-flight') return 'deferred' as const;
        throw err;
      },
    );
  const store = (key: string) =>
    env.deps.db.tx((q) =>
      createRecordsRepo(q).upsert(
        'students',
        [{ key, scope: SCHOOL, data: student(key), fingerprint: fingerprint(student(key)) }],
        { system: 'vendor:test', mappingVersion: 'canonical@1' },
      ),
    );
  const tombstone = (key: string) => createRecordsRepo(env.deps.db).tombstone('students', [key]);
  const newSet = (key: string, operation: 'upsert' | 'delete') =>
    createPushSetsRepo(env.deps.db).create({
      system: 'hcm-csdl',
      entity: 'students',
      keys: [key],
      operation,
    });

  it('a restore sent while the delete before it is on its way arrives after it: the student stays', async () => {
    const t = heldTarget();
    await store('ORD1');
    await run(t.target, await newSet('ORD1', 'upsert'));
    // Deleted in truc; the delete's request leaves and is slow to arrive.
    await tombstone('ORD1');
    const deleteSet = await newSet('ORD1', 'delete');
    const sent = t.holdNext();
    const deleting = run(t.target, deleteSet);
    await sent;
    // Restored in truc meanwhile; its upsert set runs (another worker) while the delete is in flight.
    await store('ORD1');
    const restoreSet = await newSet('ORD1', 'upsert');
    const first = await attempt(t.target, restoreSet);
    t.release();
    await deleting;
    if (first === 'deferred') expect(await attempt(t.target, restoreSet)).toBe('sent');
    // The target ends as truc: the student is there.
    expect(t.present.has('ORD1')).toBe(true);
    expect(first).toBe('deferred');
    expect(await countRows(env.deps.db, 'truc.push_claims')).toBe(0);
  });

  it('a delete sent while an older upsert is on its way arrives after it: the student is gone', async () => {
    const t = heldTarget();
    await store('ORD2');
    const upsertSet = await newSet('ORD2', 'upsert');
    const sent = t.holdNext();
    const upserting = run(t.target, upsertSet);
    await sent;
    // Deleted in truc while the upsert (read before the delete) is on its way.
    await tombstone('ORD2');
    const deleteSet = await newSet('ORD2', 'delete');
    const first = await attempt(t.target, deleteSet);
    t.release();
    await upserting;
    if (first === 'deferred') expect(await attempt(t.target, deleteSet)).toBe('sent');
    expect(t.present.has('ORD2')).toBe(false);
    expect(first).toBe('deferred');
    expect(await countRows(env.deps.db, 'truc.push_claims')).toBe(0);
  });

  it("a killed worker's claim lapses; the same set takes its own claim again at once", async () => {
    const t = heldTarget();
    await store('ORD3');
    const a = await newSet('ORD3', 'upsert');
    const b = await newSet('ORD3', 'upsert');
    // Set a's worker died while sending: its claim is left behind.
    const claims = createPushClaimsRepo(env.deps.db);
    const target = { system: 'hcm-csdl', entity: 'students' } as const;
    expect((await claims.claim(target, a, ['ORD3'], 3_600_000)).held).toBe(true);
    expect(await attempt(t.target, b)).toBe('deferred');
    expect(await attempt(t.target, a)).toBe('sent'); // a's retry takes its own claim
    // Left behind again, and lapsed.
    expect((await claims.claim(target, a, ['ORD3'], 3_600_000)).held).toBe(true);
    await env.deps.db.query(
      `UPDATE truc.push_claims SET until = now() - interval '1 second' WHERE push_set_id = $1`,
      [a],
    );
    expect(await attempt(t.target, b)).toBe('sent'); // a's lapsed claim does not hold b back
    expect(t.present.has('ORD3')).toBe(true);
  });
  it('a send that timed out keeps its claim: no later send of its key can overtake it at the target', async () => {
    const t = heldTarget();
    await store('ORD4');
    const a = await newSet('ORD4', 'upsert');
    // The target does not answer a's send in time (it may still apply it, late).
    const timingOut: PushTarget = {
      ...t.target,
      async write() {
        throw new AppError('ERR_ADAPTER_TIMEOUT', 'no answer in time');
      },
    };
    await expect(run(timingOut, a)).rejects.toMatchObject({ code: 'ERR_ADAPTER_TIMEOUT' });
    await tombstone('ORD4');
    const b = await newSet('ORD4', 'delete');
    // The delete waits for a's claim (it would have released it at once before).
    expect(await attempt(t.target, b)).toBe('deferred');
    // a's retry is answered: delivered, its claim given back; then the delete goes.
    expect(await attempt(t.target, a)).toBe('sent');
    expect(await attempt(t.target, b)).toBe('sent');
    expect(t.present.has('ORD4')).toBe(false);
  });

  /** A target that sends each set as two calls, each through the job's gate, running `inCall[n]` inside call n. */
  const twoCalls = (inCall: Array<() => Promise<unknown>>) => {
    const calls: number[] = [];
    const target: PushTarget = {
      system: 'hcm-csdl',
      entities: ['students'],
      pacesEachCall: true,
      async write(_entity, records, opts): Promise<PushReceipt> {
        for (const n of [0, 1]) {
          await opts.through!(async () => {
            calls.push(n);
            await inCall[n]?.();
          });
        }
        return { accepted: records.length, rejected: [] };
      },
    };
    return { target, calls };
  };
  const lapse = (pushSetId: number) =>
    env.deps.db.query(
      `UPDATE truc.push_claims SET until = now() - interval '1 second' WHERE push_set_id = $1`,
      [pushSetId],
    );

  it('a set sent as several paced calls renews its claims before each further call (review15 BUG 2)', async () => {
    await store('ORD5');
    const a = await newSet('ORD5', 'upsert');
    const b = await newSet('ORD5', 'upsert');
    const other = twoCalls([]);
    let meanwhile: string | undefined;
    // a's first call outlasts its lease; b is asked to send the same key during a's second call.
    const sending = twoCalls([() => lapse(a), async () => (meanwhile = await attempt(other.target, b))]);
    await run(sending.target, a);
    expect(sending.calls).toEqual([0, 1]);
    expect(meanwhile).toBe('deferred');
    expect(other.calls).toEqual([]);
    expect(await attempt(other.target, b)).toBe('sent');
  });

  it('a set whose lapsed claims another set took makes no further call until it claims them again', async () => {
    await store('ORD6');
    const a = await newSet('ORD6', 'upsert');
    const b = await newSet('ORD6', 'upsert');
    const claims = createPushClaimsRepo(env.deps.db);
    const target = { system: 'hcm-csdl', entity: 'students' } as const;
    let once = true;
    const sending = twoCalls([
      async () => {
        if (!once) return;
        once = false;
        await lapse(a);
        expect((await claims.claim(target, b, ['ORD6'], 3_600_000)).held).toBe(true);
      },
    ]);
    expect(await attempt(sending.target, a)).toBe('deferred');
    expect(sending.calls).toEqual([0]);
    await claims.release(b);
    expect(await attempt(sending.target, a)).toBe('sent');
    expect(sending.calls).toEqual([0, 0, 1]);
  });
});
