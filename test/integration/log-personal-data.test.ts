/**
 * Personal data never reaches a log line nor a dead letter through an error (fix31c): a PostgreSQL error
 * quotes a statement's values in its message (`invalid input syntax for type date: "<a name>"`) and lists
 * them in `detail` (`Key (personal_id)=(<the ID>) already exists.`), a wrapper repeats its cause's message
 * (`PermanentJobError(code, err.message, { cause })`), a zod error asked for `reportInput` holds the values
 * checked, an axios error its request and the answer's body. Errors produced for real (PostgreSQL, zod, an
 * HTTP server) are logged as the workers log them, and a job failing with one goes through a worker on
 * Redis to its dead letter: no line, no letter holds the values; the codes and names that say what
 * happened stay.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { defineJob, PermanentJobError } from '../../src/jobs/define.js';
import { redisQueueFactory } from '../../src/jobs/queues.js';
import type { RegisteredJob } from '../../src/jobs/registry.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { openTestStore, randomSuffix, REDIS_TEST_URL, waitFor, type TestStore } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { deleteRedisKeys } from '../helpers/redis.js';

const ID = '079219001234';
const NAME = 'Nguyễn Thị Hoa';
const PHONE = '0901234567';
const PERSONAL = [ID, NAME, PHONE, 'Nguy'];

const holdsPersonal = (text: string) => PERSONAL.filter((p) => text.includes(p));

async function caught(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('errors in logs and dead letters', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
    await store.db.query('create table leak_probe (personal_id text primary key, birth_date date)');
    await store.db.query('insert into leak_probe values ($1, null)', [ID]);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  const duplicate = () => store.db.query('insert into leak_probe values ($1, null)', [ID]);
  const badDate = () => store.db.query('insert into leak_probe values ($1, $2)', ['079219000001', NAME]);

  it('a logged error keeps its code, type and names, never the values it was working on', async () => {
    const { logger, lines } = captureLog();
    const dup = await caught(duplicate);
    const date = await caught(badDate);
    expect(dup).toMatchObject({ code: '23505', detail: expect.stringContaining(ID) });
    expect(date.message).toContain(NAME);
    const zodErr = z
      .object({ personalId: z.string().regex(/^\d{9}$/) })
      .safeParse({ personalId: ID }, { reportInput: true }).error!;
    expect(zodErr.message).toContain(ID);
    const server = http.createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'rejected', personalId: ID, phone: PHONE }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    const axiosErr = await caught(() =>
      axios.post(`http://127.0.0.1:${port}/students`, { personalId: ID, fullName: NAME }),
    ).finally(() => server.close());

    for (const err of [dup, date, zodErr, axiosErr]) {
      logger.error({ err }, 'worker error on probe');
      logger.error({ err: new AppError('ERR_INTERNAL', 'could not write', { cause: err }) }, 'wrapped');
      logger.warn({ err: new PermanentJobError('ERR_INTERNAL', err.message, { cause: err }) }, 'permanent');
    }
    expect(lines).toHaveLength(12);
    for (const line of lines) expect(holdsPersonal(JSON.stringify(line))).toEqual([]);
    const [dupLine, , dupPermanent, dateLine] = lines.map((l) => l.err as Record<string, unknown>);
    expect(dupLine).toMatchObject({ code: '23505', constraint: 'leak_probe_pkey', table: 'leak_probe' });
    expect(dupPermanent!.message).toMatch(/^ERR_INTERNAL: duplicate key value violates unique constraint/);
    expect(dateLine).toMatchObject({
      code: '22007',
      message: 'invalid input syntax for type date: "…"',
    });
  });

  it("a job failing with one: its failure's line and its dead letter say what failed, not the values", async () => {
    const { logger, lines } = captureLog();
    const prefix = `truc-t-${randomSuffix()}`;
    const config = loadConfig({ env: { TRUC_PROFILE: 'test' } });
    const queues = redisQueueFactory(
      REDIS_TEST_URL,
      { attempts: 1, backoffMs: 10, keepCompleted: 10, keepFailed: 10, queuePrefix: prefix },
      logger,
    );
    const job = defineJob({
      queue: 'leak-probe',
      name: 'write',
      payload: z.object({ n: z.number() }),
      concurrency: 1,
      process: async () => {
        await badDate();
      },
    }) as RegisteredJob;
    const deps = { db: store.db, logger, metrics: createMetrics(), queues, now: () => new Date() };
    const ctx = { config, db: store.db, logger, metrics: deps.metrics } as unknown as WorkerContext;
    const workers = startWorkers(deps, ctx, [job]);
    try {
      await queues.queue('leak-probe').add('write', { n: 1 });
      const letter = await waitFor(
        async () =>
          (
            await store.db.query<{ error_code: string; error_message: string }>(
              `select error_code, error_message from truc.dead_letters where queue = 'leak-probe'`,
            )
          ).rows[0],
        { timeoutMs: 20_000, what: 'the dead letter' },
      );
      expect(letter).toEqual({
        error_code: 'ERR_INTERNAL',
        error_message: 'invalid input syntax for type date: "…"',
      });
      const failed = lines.find((l) => l.job === 'write');
      expect(failed!.msg).toBe('job failed; will retry');
      expect(failed).toMatchObject({ code: 'ERR_INTERNAL', queue: 'leak-probe' });
      expect(failed!.reason).toBe('invalid input syntax for type date: "…"');
      for (const line of lines) expect(holdsPersonal(JSON.stringify(line))).toEqual([]);
    } finally {
      await workers.close(2_000);
      await queues.close();
      await deleteRedisKeys(REDIS_TEST_URL, prefix).catch(() => undefined);
    }
  });
});
