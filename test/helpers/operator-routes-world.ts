/**
 * review33b's world: truc's API on real PostgreSQL + Redis with real ids to aim at (the PCGD-XMC fixture
 * commune, a configured schedule, open dead letters of real batches), a vendor, a city admin and an officer with
 * their tokens, and the requests and checks its tests share.
 */
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import { addClient } from '../../src/ops.js';
import { A } from '../fixtures/pcgd/communes.js';
import { bearer, CONFIGURED_SYSTEMS_ENV, S1, student, tokenFor } from './api.js';
import { countRows, makeDeps, type TestEnv } from './env.js';
import { captureLog } from './log-lines.js';
import { seedFixture } from './pcgd.js';
import { useForSuite } from './suite.js';

export type Who = 'vendor' | 'admin' | 'officer';
export const SCHEDULE = 'hcm-csdl-students-nightly';

interface Started {
  env: TestEnv;
  app: FastifyInstance;
  tokens: Record<Who, string>;
  /** A vendor client other than the tokens' one. */
  otherClient: string;
}

/** Opens the database, seeds the fixture commune, starts the API and adds the clients. */
async function start(log: ReturnType<typeof captureLog>): Promise<Started> {
  const env = await makeDeps(
    { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
    {
      env: { ...CONFIGURED_SYSTEMS_ENV, TRUC_API_RATE_LIMIT_MAX: '1000000' },
      configure: (c) => ({
        ...c,
        sync: {
          ...c.sync,
          schedules: {
            [SCHEDULE]: {
              cron: '10 1 * * *',
              tz: 'Asia/Ho_Chi_Minh',
              system: 'hcm-csdl',
              entity: 'students',
              full: false,
            },
          },
        },
      }),
    },
  );
  await seedFixture(env.deps.db);
  const app = await buildApp({ ...env.deps, config: env.config, logger: log.logger });
  await app.ready();
  const defs = {
    vendor: { role: 'vendor', schools: [S1] },
    admin: { role: 'city-admin' },
    officer: { role: 'pcgd-officer', units: [A] },
  };
  const tokens = {} as Record<Who, string>;
  for (const [name, d] of Object.entries(defs))
    tokens[name as Who] = await tokenFor(app, await addClient(env.deps.db, { name, ...d }));
  const other = await addClient(env.deps.db, { name: 'other', role: 'vendor', schools: ['79000099'] });
  return { env, app, tokens, otherClient: other.clientId };
}

/** What is wrong with a refusal: empty when it is a bilingual 4xx problem. */
export function refusal(res: LightMyRequestResponse): string {
  if (res.statusCode < 400 || res.statusCode >= 500) return `a ${res.statusCode}: ${res.body.slice(0, 160)}`;
  const body = res.json<{ messages?: { vi?: string; en?: string }; detail?: string }>();
  if (!body.messages?.vi || !body.messages.en || body.messages.vi === body.messages.en)
    return 'not bilingual';
  if (typeof body.detail === 'string' && !body.detail.includes(' / ')) return `detail: ${body.detail}`;
  return '';
}

/** An open dead letter of a real vendor batch's ingest job; its id. */
async function openLetterOf(
  env: TestEnv,
  send: (method: HTTPMethods, url: string, who: Who, payload?: unknown) => Promise<LightMyRequestResponse>,
  code: string,
): Promise<number> {
  const batch = await send('POST', `/v1/schools/${S1}/batches`, 'vendor', {
    entity: 'students',
    records: [student(code)],
  });
  expect(batch.statusCode, batch.body).toBe(202);
  const batchId = batch.json<{ batchId: string }>().batchId;
  const db = env.deps.db;
  const row = (
    await db.query<{ id: string; queue: string; name: string; payload: Record<string, unknown> }>(
      `SELECT id, queue, job_name AS name, payload FROM truc.outbox WHERE payload->>'batchId' = $1`,
      [batchId],
    )
  ).rows[0]!;
  await recordDeadLetter(db, {
    outboxId: Number(row.id),
    queue: row.queue,
    name: row.name,
    jobId: `j${row.id}`,
    payload: row.payload,
    code: 'ERR_INTERNAL',
    message: 'failed',
    attempts: 5,
    at: new Date(),
  });
  const id = await db.query<{ id: string }>(`SELECT id FROM truc.dead_letters WHERE outbox_id = $1`, [
    row.id,
  ]);
  return Number(id.rows[0]!.id);
}

/** The world for the enclosing suite: started before its tests, closed after them. */
export function useOperatorRoutesWorld() {
  const log = captureLog('info');
  const w = useForSuite(
    () => start(log),
    async (s) => {
      await s.app.close();
      await s.env.cleanup();
    },
    120_000,
  );

  /** A request as `who`; a string or Buffer payload is sent as raw JSON bytes. */
  function send(
    method: HTTPMethods,
    url: string,
    who: Who,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> {
    const raw = typeof payload === 'string' || Buffer.isBuffer(payload);
    return w.app.inject({
      method,
      url,
      headers: {
        ...bearer(w.tokens[who]),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: raw ? payload : JSON.stringify(payload) }),
    });
  }

  /** What the PCGD-XMC lifecycle runs with (the API's, src/api/routes/pcgd/context.ts). */
  const pcgdDeps = () => ({
    db: w.env.deps.db,
    pcgd: w.env.config.pcgd,
    dataDir: w.env.config.database.dataDir,
    now: () => new Date(),
  });

  const audited = async () =>
    (await countRows(w.env.deps.db, 'truc.audit_log')) +
    (await countRows(w.env.deps.db, 'truc.audit_pending'));

  const openLetter = (code: string) => openLetterOf(w.env, send, code);
  const letterOpen = async (id: number) =>
    (
      await w.env.deps.db.query(
        `SELECT 1 FROM truc.dead_letters WHERE id = $1 AND replayed_at IS NULL AND abandoned_at IS NULL`,
        [id],
      )
    ).rows.length === 1;

  return { w, log, send, pcgdDeps, audited, openLetter, letterOpen };
}
